"""The dead-letter brake: a release that fails every article must stop the worker, not drain the stream into
the dead-letter topic (the idea of arroyo's `DlqLimit`).

Each agent counts the articles it handled over a sliding window (`NEWSMON_DEADLETTER_BRAKE_WINDOW`, default
200): when more than `NEWSMON_DEADLETTER_BRAKE_SHARE` (default 0.5) of them went to the dead-letter topic, the
dead letter that tips it is not sent and `BrakeEngaged` is raised instead. The batch holding it is then never
acknowledged, so its offsets and every later one stay uncommitted (the delivery contract in
streams/worker/agents.py): a fixed release reads them again. Counting starts with an empty window whose slots
count as delivered, so a fresh worker also stops after share x window dead letters; that many, at most, are
committed as dead letters per run. The worker logs one line saying why, sets
`newsmon_deadletter_brake_engaged`, keeps serving /metrics for `NEWSMON_DEADLETTER_BRAKE_HOLD_S` so the alert
rule sees it, and exits with EXIT_DEADLETTER_BRAKE.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Callable

from streams.worker.metrics import Metrics

log = logging.getLogger(__name__)

EXIT_DEADLETTER_BRAKE = 71  # the worker's exit code when the brake stopped it (70: the NLP process died)


class BrakeEngaged(Exception):
    """Too many dead letters in the window: this batch is held back uncommitted and the worker stops."""


class DeadLetterBrake:
    """The sliding window of one agent: `observe(dead)` per article handled; raises BrakeEngaged once tipped."""

    def __init__(self, agent: str, window: int, share: float, metrics: Metrics,
                 on_engage: Callable[[str], None] = lambda reason: None):
        self.agent = agent
        self.window = window
        self.share = share
        self.metrics = metrics
        self.on_engage = on_engage
        self._recent: deque[bool] = deque(maxlen=window)
        self._dead = 0
        self.reason: str | None = None  # set once engaged
        # Exported from the start (0), so a dashboard and the alert rule see the series before anything tips.
        metrics.deadletter_brake_engaged.labels(agent).set(0)
        metrics.deadletter_window_share.labels(agent).set(0)

    @property
    def engaged(self) -> bool:
        return self.reason is not None

    def observe(self, dead: bool) -> None:
        """Count one article (dead-lettered or not); raise BrakeEngaged before a dead letter that tips it."""
        if self.reason is not None:
            raise BrakeEngaged(self.reason)
        leaving = self._recent[0] if len(self._recent) == self.window else False
        after = self._dead - leaving + dead
        if dead and after > self.share * self.window:
            self._engage(after)
        self._recent.append(dead)
        self._dead = after
        self.metrics.deadletter_window_share.labels(self.agent).set(after / self.window)

    def _engage(self, dead: int) -> None:
        self.reason = (f"dead-letter brake: {dead} of the last {self.window} articles the {self.agent} "
                       f"agent handled would go to the dead-letter topic (more than {self.share:.0%}, "
                       "NEWSMON_DEADLETTER_BRAKE_SHARE); the worker stops consuming and leaves them uncommitted. "
                       "Read the reasons on the dead-letter topic, fix or roll back the release, and start the "
                       "worker again: it re-reads the articles from the batch that stopped it")
        self.metrics.deadletter_brake_engaged.labels(self.agent).set(1)
        self.metrics.deadletter_window_share.labels(self.agent).set(dead / self.window)
        log.critical(self.reason)
        self.on_engage(self.reason)
        raise BrakeEngaged(self.reason)


def exit_after(hold_s: float) -> Callable[[str], None]:
    """What an engaged brake does in a worker: exit with EXIT_DEADLETTER_BRAKE after `hold_s` seconds (in which
    the web server still answers, so Prometheus scrapes the brake's metric), without committing anything more."""
    scheduled: list[asyncio.TimerHandle] = []

    def stop(reason: str) -> None:
        if scheduled:
            return
        log.info("exiting with %d in %.0f s (NEWSMON_DEADLETTER_BRAKE_HOLD_S)", EXIT_DEADLETTER_BRAKE, hold_s)
        scheduled.append(asyncio.get_running_loop().call_later(hold_s, _exit))

    return stop


def _exit() -> None:
    logging.shutdown()
    os._exit(EXIT_DEADLETTER_BRAKE)  # unacked batches stay uncommitted: the next owner re-reads them
