"""What the agents do with one batch, without Faust: decode, analyse, publish, persist, count.

The agents (streams/agents.py) only turn Faust events into `Incoming` records and hand a `Publish`
function down; this keeps the batch logic testable and the framework at the edge.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

import storage
from schemas import Alert, Analysis, Article, DeadLetter, EnrichedArticle
from streams.bootstrap import Runtime
from streams.decode import Origin, dead_letter, decode_article, decode_record
from streams.nlp_executor import ChunkResult, Failed
from streams.topics import ALERT_TOPIC_FOR_TYPE

log = logging.getLogger(__name__)

# A batch is parsed in this many chunks so publishing one overlaps parsing the next (see
# Enricher._analyze_and_publish); nlp.pipe over 8 texts costs no more CPU per word than over 32.
NLP_CHUNKS = 4

# publish(topic_key, key, value) -> awaitable that resolves once the broker acknowledged the record.
Publish = Callable[[str, bytes, bytes], Awaitable[Awaitable[Any]]]


@dataclass(frozen=True)
class Incoming:
    """One consumed record: its bytes and where it came from."""

    value: bytes | None
    origin: Origin


def _dumps(record: Any) -> bytes:
    return record.model_dump_json().encode("utf-8")


def _since_ms(timestamp_ms: int | None) -> float | None:
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
    """Shared plumbing: publish a dead letter and count it."""

    def __init__(self, runtime: Runtime, publish: Publish, stopping: Callable[[], bool] = lambda: False):
        self.rt = runtime
        self.m = runtime.metrics
        self.publish = publish
        self.stopping = stopping  # true once the worker is shutting down: stop waiting, hand the batch back

    async def send_dead_letter(self, letter: DeadLetter) -> Awaitable[Any]:
        log.warning("dead letter (%s) from %s[%s]@%s: %s", letter.reason, letter.topic, letter.partition,
                    letter.offset, letter.detail)
        self.m.deadletters.labels(letter.reason).inc()
        key = (letter.key or f"{letter.topic}:{letter.partition}:{letter.offset}").encode("utf-8")
        return await self.publish("deadletter", key, _dumps(letter))


def observe_chunk(rt: Runtime, result: ChunkResult) -> None:
    """The stage timings the NLP executor measured (in its thread or its child process)."""
    rt.metrics.stage_seconds.labels("nlp").observe(result.nlp_s)
    rt.metrics.stage_seconds.labels("detection").observe(result.detection_s)


class Enricher(Batcher):
    """articles/replay -> enriched + alerts (+ dead letters)."""

    async def handle(self, batch: Sequence[Incoming]) -> None:
        m = self.m
        m.batch_size.labels("enrich").observe(len(batch))
        m.articles_consumed.inc(len(batch))
        pending: list[Awaitable[Any]] = []
        t0 = time.perf_counter()
        good: list[tuple[Article, Incoming]] = []
        alert_sent: list[tuple[Awaitable[Any], int | None]] = []
        for item in batch:
            result = decode_article(item.value, item.origin, self.rt.settings.max_text_bytes)
            if isinstance(result, DeadLetter):
                pending.append(await self.send_dead_letter(result))
            else:
                good.append((result, item))
        m.stage_seconds.labels("decode").observe(time.perf_counter() - t0)
        if good:
            await self._analyze_and_publish(good, pending, alert_sent)
        # The input offsets are acked when this returns, so wait until the broker has every output record.
        await asyncio.gather(*pending)
        for _, ts in alert_sent:
            age = _since_ms(ts)
            if age is not None:
                m.end_to_end_seconds.labels("alert").observe(age)

    async def _analyze_and_publish(self, good: list[tuple[Article, Incoming]], pending: list[Awaitable[Any]],
                                   alert_sent: list) -> None:
        """Analyse in chunks, the next chunk parsing in the NLP executor while this one's results are
        published on the event loop, so the NLP thread (or process) does not sit idle while records are sent."""
        size = max(1, self.rt.settings.nlp_batch_size // NLP_CHUNKS)
        chunks = [good[i:i + size] for i in range(0, len(good), size)]

        def start(chunk: list[tuple[Article, Incoming]]) -> asyncio.Task:
            return asyncio.ensure_future(self.rt.nlp_executor.analyze([a for a, _ in chunk]))

        running: asyncio.Task | None = start(chunks[0])
        try:
            for i, chunk in enumerate(chunks):
                result = await running
                running = start(chunks[i + 1]) if i + 1 < len(chunks) else None
                observe_chunk(self.rt, result)
                for (article, item), analysis in zip(chunk, result.analyses, strict=True):
                    if isinstance(analysis, Failed):
                        log.error("processing failed for article %s: %s", article.id, analysis)
                        letter = dead_letter("processing_error", str(analysis), item.value or b"", item.origin)
                        pending.append(await self.send_dead_letter(letter))
                        continue
                    pending.extend(await self._publish_results(article, analysis, item, alert_sent))
        finally:
            if running is not None:  # a send failed: the batch is retried whole; drop the chunk in flight
                running.cancel()
                # A chunk that fails too (its NLP process died) must not log "exception never retrieved".
                running.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _publish_results(self, article: Article, analysis: Analysis, item: Incoming,
                               alert_sent: list) -> list[Awaitable[Any]]:
        m = self.m
        ts = item.origin.timestamp_ms
        enriched = EnrichedArticle(article=article, analysis=analysis, source_timestamp_ms=ts)
        futures = [await self.publish("enriched", article.id.encode("utf-8"), _dumps(enriched))]
        m.articles_enriched.inc()
        for event in analysis.events:
            m.events_detected.labels(event.type, event.subtype, event.certainty).inc()
            if not event.alertable:
                continue
            topic_key = ALERT_TOPIC_FOR_TYPE[event.type]
            alert = Alert.for_event(event, title=article.title, url=article.url, published=article.published)
            fut = await self.publish(topic_key, alert.id.encode("utf-8"), _dumps(alert))
            futures.append(fut)
            alert_sent.append((fut, ts))
            m.alerts_published.labels(topic_key).inc()
        return futures


class Persister(Batcher):
    """enriched -> database, one transaction per batch, retried while the database is unavailable."""

    async def handle(self, batch: Sequence[Incoming]) -> None:
        self.m.batch_size.labels("persist").observe(len(batch))
        pending: list[Awaitable[Any]] = []
        # Keyed by article id: the same article twice in one batch is one upsert (the later record wins).
        latest: dict[str, tuple[EnrichedArticle, Incoming]] = {}
        for item in batch:
            result = decode_record(item.value, item.origin, EnrichedArticle)
            if isinstance(result, DeadLetter):
                pending.append(await self.send_dead_letter(result))
            else:
                latest[result.article.id] = (result, item)
        records = [record for record, _ in latest.values()]
        if records:
            t0 = time.perf_counter()
            stored = await self._save(records, {aid: item for aid, (_, item) in latest.items()}, pending)
            self.m.stage_seconds.labels("persist_batch").observe(time.perf_counter() - t0)
            self.m.articles_persisted.inc(len(stored))
            for record in stored:
                age = _since_ms(record.source_timestamp_ms)
                if age is not None:
                    self.m.end_to_end_seconds.labels("persisted").observe(age)
        await asyncio.gather(*pending)

    async def _save(self, records: list[EnrichedArticle], items: dict[str, Incoming],
                    pending: list[Awaitable[Any]]) -> list[EnrichedArticle]:
        """Save the batch; records the database rejects are dead-lettered and the rest saved again."""
        try:
            await self._save_retrying(records)
            return records
        except storage.DatabaseUnavailable:  # pragma: no cover - _save_retrying never gives up
            raise
        except Exception as exc:
            rejected = set(getattr(exc, "article_ids", ()) or ())
            if not rejected and len(records) > 1:
                # The database did not say which record: find it by saving one at a time.
                stored: list[EnrichedArticle] = []
                for record in records:
                    stored.extend(await self._save([record], items, pending))
                return stored
            if not rejected:
                rejected = {records[0].article.id}
            for article_id in rejected:
                item = items.get(article_id)
                if item is not None:
                    letter = dead_letter("processing_error", f"database rejected it: {exc}",
                                         item.value or b"", item.origin)
                    pending.append(await self.send_dead_letter(letter))
            rest = [r for r in records if r.article.id not in rejected]
            return await self._save(rest, items, pending) if rest else []

    async def _save_retrying(self, records: list[EnrichedArticle]) -> None:
        loop = asyncio.get_running_loop()

        def before_sleep(state: Any) -> None:
            self.m.db_retries.inc()
            log.warning("database unavailable (%s); retry %d in %.1fs", state.outcome.exception(),
                        state.attempt_number, state.next_action.sleep)

        # Until it succeeds or the worker stops: the offsets are not acked before the write succeeded, so
        # nothing is lost while the database is down; on a stop the batch is handed back unwritten
        # (streams.agents keeps its offsets uncommitted) instead of holding the shutdown hostage.
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(storage.DatabaseUnavailable),
                                           wait=wait_exponential(multiplier=0.5, max=30),
                                           stop=lambda _state: self.stopping(),
                                           sleep=lambda s: sleep_unless(s, self.stopping),
                                           before_sleep=before_sleep, reraise=True):
            with attempt:
                await loop.run_in_executor(self.rt.db_executor, self.rt.repository.save_batch, records)
