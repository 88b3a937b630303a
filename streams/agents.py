"""The Faust agents, thin: take a batch of events, hand it to streams.pipeline, let Faust ack it.

At-least-once, and why it needs care with Faust 0.15: `stream.take_events(max, within)` acks a batch
in a `finally`, which also runs when the body raises or when the stream shuts down under a body still
waiting. So each message carries an extra reference while its batch is handled (`_process`), released
only once every output record is acknowledged by the broker (enrich) or the database transaction
committed (persist); Faust commits only fully acked offsets. An unfinished batch is re-read by the next
owner, and content-derived ids turn the re-delivery into upserts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import faust
from faust.types import EventT, TopicT

from streams.bootstrap import Runtime
from streams.decode import Origin
from streams.pipeline import Enricher, Incoming, Persister, sleep_unless

log = logging.getLogger(__name__)


def _incoming(events: Sequence[EventT]) -> list[Incoming]:
    out = []
    for event in events:
        msg = event.message
        ts = int(round(msg.timestamp * 1000)) if msg.timestamp else None
        value = msg.value if isinstance(msg.value, bytes | None) else bytes(msg.value)
        out.append(Incoming(value=value, origin=Origin(topic=msg.topic, partition=msg.partition,
                                                       offset=msg.offset, key=msg.key, timestamp_ms=ts)))
    return out


async def _until_done(handle: Any, batch: list[Incoming], agent: str, stopping: Any) -> None:
    """Run `handle(batch)` until it succeeds.

    Faust acks a taken batch even when the loop body raises (take_events acks in a `finally`), so an
    exception escaping here would lose the batch. Bad records never raise (they become dead letters);
    what is left is infrastructure (the broker refusing a send), which is worth waiting out. Re-running
    a batch is safe: ids derive from content, so outputs are upserts. When the worker is stopping the error
    is raised instead, so a shutdown never hangs on a failing batch.
    """
    delay = 0.5
    while True:
        try:
            await handle(batch)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if stopping():
                raise
            log.exception("%s: batch of %d failed; retrying in %.1fs", agent, len(batch), delay)
            await sleep_unless(delay, stopping)
            delay = min(delay * 2, 30.0)


class BatchHeld(Exception):
    """The worker is stopping with this batch unfinished; its offsets were kept from being committed."""


async def _process(handle: Any, events: Sequence[EventT], agent: str, stopping: Any) -> list[Incoming]:
    """Handle one taken batch; its offsets become committable only if the handling completed.

    take_events acks a batch in a `finally`, and Faust's stream shutdown closes that generator while the
    body may still be waiting (say, on a database outage): the acks would then be committed on the way
    out for a batch never written. So each message carries one extra reference while we work on it,
    released only on success; an unfinished batch stays unacked, the committed offset stops before it,
    and the next owner re-reads it (upserts make that harmless). The app runs with
    stream_wait_empty=False, or Faust would wait forever for those held messages on stop.
    """
    batch = _incoming(events)
    for event in events:
        event.message.incref()
    try:
        await _until_done(handle, batch, agent, stopping)
    except BaseException as exc:
        log.warning("%s: stopping with a batch of %d unfinished; its offsets stay uncommitted",
                    agent, len(batch))
        if isinstance(exc, Exception):
            raise BatchHeld(str(exc)) from exc
        raise
    for event in events:
        event.message.decref()
    return batch


class LagTracker:
    """Consumer lag per assigned partition, from the consumer's positions and highwaters."""

    def __init__(self, runtime: Runtime):
        self.metrics = runtime.metrics
        self.last_ts: dict[tuple[str, int], float] = {}

    def seen(self, batch: Sequence[Incoming]) -> None:
        for item in batch:
            if item.origin.timestamp_ms:
                tp = (item.origin.topic, item.origin.partition or 0)
                self.last_ts[tp] = item.origin.timestamp_ms / 1000

    async def update(self, consumer: Any) -> None:
        for tp in list(consumer.assignment()):
            try:
                position = await consumer.position(tp)
                highwater = consumer.highwater(tp)
            except Exception:  # not fetched yet, or revoked meanwhile; next tick will see it
                continue
            if position is None or highwater is None:
                continue
            lag = max(0, highwater - position)
            labels = (tp.topic, str(tp.partition))
            self.metrics.consumer_lag_messages.labels(*labels).set(lag)
            last = self.last_ts.get((tp.topic, tp.partition))
            self.metrics.consumer_lag_seconds.labels(*labels).set(
                max(0.0, time.time() - last) if lag and last else 0.0)


def install(app: faust.App, topics: dict[str, TopicT], runtime: Runtime) -> None:
    """Register the enrich and persist agents (and the lag timer) on `app`, bound to `runtime`."""
    settings = runtime.settings

    async def publish(topic_key: str, key: bytes, value: bytes) -> Any:
        return await topics[topic_key].send(key=key, value=value)

    def app_stopping() -> bool:
        return bool(app.should_stop)

    enricher = Enricher(runtime, publish, app_stopping)
    persister = Persister(runtime, publish, app_stopping)
    lag = LagTracker(runtime)

    def stopping(stream: faust.StreamT) -> bool:
        return bool(stream.should_stop or app.should_stop)

    async def enrich(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.nlp_batch_size, within=settings.batch_timeout_s):
            try:
                lag.seen(await _process(enricher.handle, events, "enrich", lambda: stopping(stream)))
            except BatchHeld:
                return  # stopping: end quietly rather than have the supervisor restart the agent

    async def persist(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.nlp_batch_size * 4, within=settings.batch_timeout_s):
            try:
                lag.seen(await _process(persister.handle, events, "persist", lambda: stopping(stream)))
            except BatchHeld:
                return

    source = app.topic(*[topics[k].get_topic_name() for k in ("articles", "replay")],
                       key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    app.agent(source, name="newsmon.enrich")(enrich)
    app.agent(topics["enriched"], name="newsmon.persist")(persist)

    async def update_lag() -> None:
        await lag.update(app.consumer)

    app.timer(5.0, name="newsmon.lag")(update_lag)
