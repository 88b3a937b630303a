"""The mechanics of `newsmon replay`: which offsets of the articles topic fall in a time window, and copying
those records (same key, same value bytes) to the replay topic that the worker consumes beside live traffic.

Ids derive from content, so articles and events that come out of a replay have the ids they had the first
time: the database upserts instead of duplicating, and an alert is published again only for an event that is
new or changed (streams/worker/persist.py), or for every asserted event with `--realert`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from schemas.topics import REALERT_HEADER
from streams.kafka.reader import partitions_of, read_ranges

# Headers the copy carries, so the replayed record can be traced to its original.
SOURCE_HEADER = "newsmon-replay-source"  # b"topic:partition:offset"
TIMESTAMP_HEADER = "newsmon-replay-original-timestamp"  # b"<epoch ms>"


@dataclass(frozen=True)
class PartitionRange:
    """Offsets [start, end) of one partition whose records may fall in the window."""

    partition: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def plan(consumer: Any, topic: str, since_ms: int, until_ms: int) -> list[PartitionRange]:
    """Per partition, the offsets from the first record at/after `since` to the first at/after `until`.

    offsets_for_times returns the earliest offset whose timestamp is >= the time asked, or nothing when no
    record is that recent (then the end offset bounds the range).
    """
    tps = partitions_of(consumer, [topic])
    ends = consumer.end_offsets(tps)
    at_since = consumer.offsets_for_times({tp: since_ms for tp in tps})
    at_until = consumer.offsets_for_times({tp: until_ms for tp in tps})
    ranges = []
    for tp in tps:
        start = at_since[tp].offset if at_since.get(tp) else ends[tp]
        end = at_until[tp].offset if at_until.get(tp) else ends[tp]
        ranges.append(PartitionRange(tp.partition, start, max(start, end)))
    return ranges


def records_in_window(consumer: Any, topic: str, ranges: list[PartitionRange], since_ms: int,
                      until_ms: int, on_offset: Callable[[int], None] = lambda n: None) -> Iterator[Any]:
    """The records of the ranges whose timestamp is in [since, until).

    With producer-set (CreateTime) timestamps a partition's timestamps need not grow with the offset, so the
    offset range can hold a few records outside the window: they are read (and counted by `on_offset`) but
    not yielded.
    """
    from kafka import TopicPartition

    bounds = {TopicPartition(topic, r.partition): (r.start, r.end) for r in ranges}
    for record in read_ranges(consumer, bounds):
        on_offset(1)
        if since_ms <= record.timestamp < until_ms:
            yield record


@dataclass
class CopyResult:
    sent: int = 0
    failed: int = 0
    first_error: str | None = None


def copy_records(producer: Any, records: Iterator[Any], target: str, *, keep_partition: bool,
                 result: CopyResult | None = None, realert: bool = False) -> CopyResult:
    """Publish each record's key and value bytes unchanged to `target`; waits for every acknowledgement.

    The copy gets a fresh timestamp (the replay topic's time-based retention must not delete it at once) and
    headers naming its original. `keep_partition` keeps each record on its partition number, so per-key order
    is exactly the original's when both topics have the same partition count. `realert` adds the realert header
    (schemas.topics.REALERT_HEADER): the worker then publishes the copies' alerts even if nothing changed.
    """
    result = result if result is not None else CopyResult()  # the caller's, to report progress on Ctrl-C

    def failed(exc: BaseException) -> None:
        result.failed += 1
        result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"

    for record in records:
        headers = list(record.headers or []) + [
            (SOURCE_HEADER, f"{record.topic}:{record.partition}:{record.offset}".encode()),
            (TIMESTAMP_HEADER, str(record.timestamp).encode()),
        ] + ([(REALERT_HEADER, b"1")] if realert else [])
        future = producer.send(target, key=record.key, value=record.value, headers=headers,
                               partition=record.partition if keep_partition else None,
                               timestamp_ms=int(time.time() * 1000))
        future.add_errback(failed)
        result.sent += 1
    producer.flush()
    return result
