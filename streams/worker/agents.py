"""The Faust agents, thin: take a batch of events, hand it to the enricher or the persister, let Faust ack it.

The delivery contract, stated here once (everything else points here): at least once, without duplicates.
A batch's input offsets become committable only after its work is done: for enrich, once the broker has
acknowledged every output record (the EnrichFeed's `release`); for persist, once the database transaction
committed (`_process`). Faust 0.15 acks a batch taken by `stream.take_events(max, within)` in a `finally`,
which also runs when the body raises or when the stream shuts down under a body still waiting; so each
message carries one extra reference while its batch is handled, dropped only on success. Faust commits only
fully acked offsets, and only up to the first one not acked: an unfinished batch (a crash, a stop, a
rebalance, an outage waited out, the dead-letter brake of streams/worker/brake.py) is re-read by the next
owner, and the content-derived ids of every output (articles, events, alerts) turn that re-delivery into
upserts; an alert is re-sent only while the database has not recorded it as acknowledged (persist.py). The
app runs with `stream_wait_empty=False`, or Faust would wait forever on those held messages when it stops.
docs/reliability.md tells the story.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import faust
from faust.types import EventT, TopicT

from schemas.topics import REALERT_HEADER
from streams.worker import brake
from streams.worker.batch import BatchHeld, Incoming, until_done
from streams.worker.decode import Origin
from streams.worker.enrich import Enricher, EnrichFeed
from streams.worker.persist import Persister
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


def _realert(headers: Any) -> bool:
    """Whether a message carries the realert header (Faust gives headers as a list of pairs or a mapping)."""
    pairs = headers.items() if hasattr(headers, "items") else (headers or ())
    return any(key == REALERT_HEADER and value == b"1" for key, value in pairs)


def _incoming(events: Sequence[EventT]) -> list[Incoming]:
    out = []
    for event in events:
        msg = event.message
        ts = int(round(msg.timestamp * 1000)) if msg.timestamp else None
        value = msg.value if isinstance(msg.value, bytes | None) else bytes(msg.value)
        out.append(Incoming(value=value, origin=Origin(topic=msg.topic, partition=msg.partition,
                                                       offset=msg.offset, key=msg.key, timestamp_ms=ts),
                            realert=_realert(msg.headers)))
    return out


async def _process(handle: Any, events: Sequence[EventT], agent: str, stopping: Any) -> list[Incoming]:
    """Handle one taken batch until done; only then drop the extra reference that keeps its offsets from
    being committed (the contract above)."""
    batch = _incoming(events)
    for event in events:
        event.message.incref()
    try:
        await until_done(handle, batch, agent, stopping)
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

    async def publish(topic_key: str, key: bytes, value: bytes, headers: list | None = None) -> Any:
        return await topics[topic_key].send(key=key, value=value, headers=headers)

    def app_stopping() -> bool:
        return bool(app.should_stop)

    stop_worker = brake.exit_after(settings.deadletter_brake_hold_s)  # the dead-letter brake, once engaged
    enricher = Enricher(runtime, publish, app_stopping, stop_worker)
    persister = Persister(runtime, publish, app_stopping, stop_worker)
    lag = LagTracker(runtime)

    def stopping(stream: faust.StreamT) -> bool:
        return bool(stream.should_stop or app.should_stop)

    def release(events: Sequence[EventT], batch: Sequence[Incoming]) -> None:
        """Drop the feed's reference to each message: the last reference makes the offset committable."""
        for event in events:
            message = event.message
            if message.ack(app.consumer):
                app.sensors.on_message_out(message.tp, message.offset, message)
        lag.seen(batch)

    async def enrich(stream: faust.StreamT) -> None:
        feed = EnrichFeed(enricher, release, lambda: stopping(stream))
        try:
            async for events in stream.take_events(settings.nlp_batch_size, within=settings.batch_timeout_s):
                for event in events:  # held until the feed releases the batch, whatever take_events acks
                    event.message.incref()
                try:
                    await feed.put(events, _incoming(events))
                except BatchHeld:
                    return  # stopping: end quietly rather than have the supervisor restart the agent
        finally:
            await feed.close()

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
