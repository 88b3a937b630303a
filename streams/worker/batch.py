"""What both agents share, without Faust: a consumed record (`Incoming`), publishing a dead letter, and
running a batch until it is done (`until_done`). The agents (streams/worker/agents.py) turn Faust events into
`Incoming` records and hand a `Publish` function down; this keeps the batch logic testable and the framework
at the edge. When a batch's input offsets may be committed is said once, in streams/worker/agents.py."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas import DeadLetter
from streams.worker.brake import BrakeEngaged, DeadLetterBrake
from streams.worker.decode import Origin
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)

# publish(topic_key, key, value[, headers]) -> awaitable that resolves once the broker acknowledged the record.
Publish = Callable[..., Awaitable[Awaitable[Any]]]


@dataclass(frozen=True)
class Incoming:
    """One consumed record: its bytes and where it came from."""

    value: bytes | None
    origin: Origin
    realert: bool = False  # carries schemas.topics.REALERT_HEADER: its alerts go out again (persist.py)


def dumps(record: Any) -> bytes:
    """A record as it goes on the wire: its JSON in UTF-8."""
    return record.model_dump_json().encode("utf-8")


def seconds_since(timestamp_ms: int | None) -> float | None:
    """Seconds from a broker timestamp (epoch ms) to now; None when the record carried none."""
    if timestamp_ms is None or timestamp_ms <= 0:
        return None
    return max(0.0, time.time() - timestamp_ms / 1000.0)


async def sleep_unless(seconds: float, stopping: Callable[[], bool]) -> None:
    """Sleep, but wake within half a second once `stopping()` turns true (a worker shutting down)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not stopping() and (left := deadline - loop.time()) > 0:
        await asyncio.sleep(min(0.5, left))


class Batcher:
    """Shared plumbing: publish a dead letter and count it, through the agent's dead-letter brake."""

    agent = "enrich"  # the agent it serves (metrics.AGENTS)

    def __init__(self, runtime: Runtime, publish: Publish, stopping: Callable[[], bool] = lambda: False,
                 on_brake: Callable[[str], None] = lambda reason: None):
        self.rt = runtime
        self.m = runtime.metrics
        self.publish = publish
        self.stopping = stopping  # true once the worker is shutting down: stop waiting, hand the batch back
        s = runtime.settings
        self.brake = DeadLetterBrake(self.agent, s.deadletter_brake_window, s.deadletter_brake_share,
                                     runtime.metrics, on_brake)

    def delivered(self, count: int = 1) -> None:
        """Count articles handled without a dead letter (the brake's window)."""
        for _ in range(count):
            self.brake.observe(False)

    async def send_dead_letter(self, letter: DeadLetter) -> Awaitable[Any]:
        """Publish a dead letter; raises BrakeEngaged instead when it would tip the brake (streams/worker/brake.py)."""
        self.brake.observe(True)
        log.warning("dead letter (%s) from %s[%s]@%s: %s", letter.reason, letter.topic, letter.partition,
                    letter.offset, letter.detail)
        self.m.deadletters.labels(letter.reason).inc()
        key = (letter.key or f"{letter.topic}:{letter.partition}:{letter.offset}").encode("utf-8")
        return await self.publish("deadletter", key, dumps(letter))


class BatchHeld(Exception):
    """The worker is stopping with this batch unfinished; its offsets were kept from being committed."""


async def until_done(handle: Callable[[Sequence[Incoming]], Awaitable[None]], batch: Sequence[Incoming],
                     agent: str, stopping: Callable[[], bool]) -> None:
    """Run `handle(batch)` until it succeeds.

    Bad records never raise (they become dead letters); what is left is infrastructure (the broker refusing a
    send), which is worth waiting out: the batch stays uncommitted meanwhile (streams/worker/agents.py). When
    the worker is stopping the error is raised instead, so a shutdown never hangs on a failing batch.
    """
    delay = 0.5
    while True:
        try:
            await handle(batch)
            return
        except (asyncio.CancelledError, BrakeEngaged):
            raise
        except Exception:
            if stopping():
                raise
            log.exception("%s: batch of %d failed; retrying in %.1fs", agent, len(batch), delay)
            await sleep_unless(delay, stopping)
            delay = min(delay * 2, 30.0)

