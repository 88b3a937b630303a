"""Reading bounded offset ranges and following topics with a kafka-python consumer (manual assignment).

`newsmon alerts --no-follow` and `newsmon replay` both read "from here to there" on a set of partitions and
must stop once every partition reached its end, including partitions that are empty to begin with.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

# A bounded read that makes no progress for this long is stuck (broker gone, partition leaderless).
DEFAULT_IDLE_TIMEOUT_S = 30.0


class ReadStalled(RuntimeError):
    """A bounded read stopped making progress before it reached its end offsets."""


class TopicMissing(LookupError):
    """A topic the command needs does not exist on the broker."""


def partitions_of(consumer: Any, topics: list[str]) -> list[Any]:
    """Every TopicPartition of `topics`; TopicMissing names the topics that do not exist."""
    from kafka import TopicPartition

    found, missing = [], []
    for topic in topics:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            missing.append(topic)
            continue
        found.extend(TopicPartition(topic, p) for p in sorted(partitions))
    if missing:
        raise TopicMissing(f"topic{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                           f"{'do' if len(missing) > 1 else 'does'} not exist on the broker: "
                           "create the topics with `newsmon topics create` (or start the worker), "
                           "and check NEWSMON_TOPIC_PREFIX")
    return found


def read_ranges(consumer: Any, ranges: Mapping[Any, tuple[int, int]], *,
                idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S, poll_ms: int = 500) -> Iterator[Any]:
    """Yield the records with start <= offset < end of each partition, then stop.

    The consumer is assigned exactly the partitions with a non-empty range; a partition is paused once its
    position reaches its end, so a live topic does not keep the read going.
    """
    active = {tp: (start, end) for tp, (start, end) in ranges.items() if start < end}
    consumer.assign(list(active))
    for tp, (start, _) in active.items():
        consumer.seek(tp, start)
    last_progress = time.monotonic()
    while active:
        batch = consumer.poll(timeout_ms=poll_ms)
        for tp, records in batch.items():
            if tp not in active:
                continue
            end = active[tp][1]
            for record in records:
                if record.offset >= end:
                    break
                yield record
        for tp in list(active):
            # Compaction or transaction markers can make the position jump past the last record.
            if consumer.position(tp) >= active[tp][1]:
                del active[tp]
                consumer.pause(tp)
        if batch:
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > idle_timeout_s:
            behind = ", ".join(f"{tp.topic}[{tp.partition}] at {consumer.position(tp)} of {end}"
                               for tp, (_, end) in sorted(active.items()))
            raise ReadStalled(f"no records arrived for {idle_timeout_s:g} s before the end was reached "
                              f"({behind}); is the broker still up?")


def follow(consumer: Any, *, poll_ms: int = 1000, stop: threading.Event | None = None) -> Iterator[Any]:
    """Yield records as they arrive until `stop` is set (checked between polls, so within `poll_ms`).

    Stopping through the event, not a KeyboardInterrupt raised wherever the client happens to be, leaves
    kafka-python's state whole, so closing the consumer (and committing a group's offsets) cannot hang on a
    request the interrupt cut in half."""
    for fetched in fetches(consumer, poll_ms=poll_ms, stop=stop):
        yield from fetched  # a polled batch is shown whole: its offsets are committed as one


def fetches(consumer: Any, *, poll_ms: int = 1000, stop: threading.Event | None = None) -> Iterator[list[Any]]:
    """`follow`, one list per poll (every partition's records of that poll; empty polls are skipped)."""
    while stop is None or not stop.is_set():
        fetched = [record for records in consumer.poll(timeout_ms=poll_ms).values() for record in records]
        if fetched:
            yield fetched
