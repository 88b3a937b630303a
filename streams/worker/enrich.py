"""articles/replay -> enriched + alerts (+ dead letters): the Enricher does a batch's three steps, the
EnrichFeed runs them so that the NLP never waits for Kafka."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas import Analysis, Article, DeadLetter, EnrichedArticle
from schemas.topics import ALERT_TOPIC_FOR_TYPE
from streams.worker import incidents
from streams.worker.batch import Batcher, BatchHeld, Incoming, dumps, seconds_since, until_done
from streams.worker.decode import dead_letter, decode_article
from streams.worker.nlp_executor import ChunkResult, Failed
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


# A batch is parsed in this many chunks so publishing one overlaps parsing the next (see Enricher.prepare);
# nlp.pipe over 8 texts costs no more CPU per word than over 32 (measured within this machine's noise).
NLP_CHUNKS = 4

# What the feed hands back once a batch is done: the agent's token (its Faust events) and the batch.
Release = Callable[[Any, Sequence[Incoming]], None]


def observe_chunk(rt: Runtime, result: ChunkResult) -> None:
    """The stage timings the NLP executor measured (in its thread or its child process)."""
    rt.metrics.stage_seconds.labels("nlp").observe(result.nlp_s)
    rt.metrics.stage_seconds.labels("detection").observe(result.detection_s)


@dataclass
class Prepared:
    """A decoded batch: its dead letters, and its good articles in chunks whose analyses are already queued in
    the NLP executor (one future per chunk, in order)."""

    letters: list[DeadLetter]
    chunks: list[list[tuple[Article, Incoming]]]
    analyses: list[asyncio.Future]

    def cancel(self) -> None:
        """Drop the analyses not yet collected (the batch will be handled again, or the worker is stopping)."""
        for fut in self.analyses:
            if not fut.done():
                fut.cancel()
            # A chunk that fails too (its NLP process died) must not log "exception never retrieved".
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())


@dataclass
class Published:
    """A batch whose output records are sent: the broker's acknowledgements still to come."""

    pending: list[Awaitable[Any]]
    alert_sent: list[tuple[Awaitable[Any], int | None]]


class Enricher(Batcher):
    """articles/replay -> enriched + alerts (+ dead letters).

    `handle` does a batch start to finish. The enrich agent splits it into its three steps (`prepare`,
    `publish_batch`, `settle`) run by EnrichFeed, so the NLP never waits for Kafka: see EnrichFeed."""

    async def handle(self, batch: Sequence[Incoming]) -> None:
        await self.settle(await self.publish_batch(self.prepare(batch)))

    def prepare(self, batch: Sequence[Incoming]) -> Prepared:
        """Decode the batch and queue its good articles in the NLP executor, in chunks (so the first chunk's
        results can be published while the next is parsed)."""
        m = self.m
        m.batch_size.labels("enrich").observe(len(batch))
        m.articles_consumed.inc(len(batch))
        t0 = time.perf_counter()
        good: list[tuple[Article, Incoming]] = []
        letters: list[DeadLetter] = []
        for item in batch:
            result = decode_article(item.value, item.origin, self.rt.settings.max_text_bytes)
            if isinstance(result, DeadLetter):
                letters.append(result)
            else:
                good.append((result, item))
        m.stage_seconds.labels("decode").observe(time.perf_counter() - t0)
        size = max(1, self.rt.settings.nlp_batch_size // NLP_CHUNKS)
        chunks = [good[i:i + size] for i in range(0, len(good), size)]
        analyses = [asyncio.ensure_future(self.rt.nlp_executor.analyze([a for a, _ in chunk])) for chunk in chunks]
        return Prepared(letters, chunks, analyses)

    async def publish_batch(self, prepared: Prepared) -> Published:
        """Send the batch's dead letters, enriched records and alerts, chunk by chunk as the analyses arrive.
        A failure (a send refused, the NLP process dead) raises, with the rest of the batch's analyses dropped."""
        out = Published([], [])
        try:
            for letter in prepared.letters:
                out.pending.append(await self.send_dead_letter(letter))
            for chunk, analysis in zip(prepared.chunks, prepared.analyses, strict=True):
                result: ChunkResult = await analysis
                observe_chunk(self.rt, result)
                known = await incidents.corroboration(self.rt, [
                    EnrichedArticle(article=article, analysis=outcome)
                    for (article, _), outcome in zip(chunk, result.analyses, strict=True)
                    if not isinstance(outcome, Failed)])
                for (article, item), outcome in zip(chunk, result.analyses, strict=True):
                    if isinstance(outcome, Failed):
                        log.error("processing failed for article %s: %s", article.id, outcome)
                        letter = dead_letter("processing_error", str(outcome), item.value or b"", item.origin)
                        out.pending.append(await self.send_dead_letter(letter))
                        continue
                    out.pending.extend(await self._publish_results(article, outcome, item, out.alert_sent, known))
        except BaseException:
            prepared.cancel()
            raise
        return out

    async def settle(self, published: Published) -> None:
        """Wait until the broker has every output record of the batch (its input offsets may be acked after)."""
        await asyncio.gather(*published.pending)
        for _, ts in published.alert_sent:
            age = seconds_since(ts)
            if age is not None:
                self.m.end_to_end_seconds.labels("alert").observe(age)

    async def _publish_results(self, article: Article, analysis: Analysis, item: Incoming,
                               alert_sent: list, known: dict[str, set[str]] | None = None,
                               ) -> list[Awaitable[Any]]:
        m = self.m
        ts = item.origin.timestamp_ms
        enriched = EnrichedArticle(article=article, analysis=analysis, source_timestamp_ms=ts)
        futures = [await self.publish("enriched", article.id.encode("utf-8"), dumps(enriched))]
        m.articles_enriched.inc()
        for event in analysis.events:
            m.events_detected.labels(event.type, event.subtype, event.certainty).inc()
            if not event.alertable:
                continue
            topic_key = ALERT_TOPIC_FOR_TYPE[event.type]
            alert = incidents.alert_for(self.rt, enriched, event, known)
            fut = await self.publish(topic_key, alert.id.encode("utf-8"), dumps(alert))
            futures.append(fut)
            alert_sent.append((fut, ts))
            m.alerts_published.labels(topic_key).inc()
        return futures


class EnrichFeed:
    """Keeps the NLP busy back to back while Kafka work happens beside it.

    Done in one piece, a batch would leave the NLP idle while its last results are sent, while the broker
    acknowledges them, and while Faust assembles the next batch. Here the agent only `put`s each taken batch:
    its articles are decoded and queued in the NLP executor at once (at most `depth` batches ahead of the one
    being published), one task publishes the batches' records in order as their analyses arrive, and a second
    task waits for the broker's acknowledgements and then `release`s the batch (what that allows: the delivery
    contract in streams/worker/agents.py). A batch whose publishing or acknowledgement fails is handled again
    whole (`until_done`) before it is released; the batches published before that re-send are sent again too,
    so a later version of an article is never overtaken by an earlier one.
    """

    def __init__(self, enricher: Enricher, release: Release, stopping: Callable[[], bool], depth: int = 1):
        self.enricher = enricher
        self.release = release
        self.stopping = stopping
        self._ahead = asyncio.Semaphore(depth + 1)  # batches prepared but not yet published
        self._to_publish: asyncio.Queue = asyncio.Queue()
        self._to_settle: asyncio.Queue = asyncio.Queue()
        self._queued: list[Prepared] = []
        self.unreleased = 0  # batches put and not yet released
        self._published = 0  # batches published so far (their sequence numbers)
        # Batches published up to this number were sent before the latest re-send of an earlier batch: they are
        # sent again too before release, so a newer version of an article always lands after an older one.
        self._stale_upto = 0
        self._tasks = [asyncio.ensure_future(self._publishing()), asyncio.ensure_future(self._settling())]

    async def put(self, token: Any, batch: Sequence[Incoming]) -> None:
        """Queue a batch; waits while `depth` batches are ahead. Raises BatchHeld if the feed stopped."""
        self._raise_if_ended()
        acquire = asyncio.ensure_future(self._ahead.acquire())
        await asyncio.wait([acquire, *self._tasks], return_when=asyncio.FIRST_COMPLETED)
        if not acquire.done():
            acquire.cancel()
            self._raise_if_ended()
        prepared = self.enricher.prepare(batch)
        self.unreleased += 1
        self._queued.append(prepared)
        self._to_publish.put_nowait((token, batch, prepared))

    def _raise_if_ended(self) -> None:
        for task in self._tasks:
            if task.done():
                exc = None if task.cancelled() else task.exception()
                raise exc if isinstance(exc, BatchHeld) else BatchHeld(f"the enrich feed ended: {exc!r}")

    async def _again(self, batch: Sequence[Incoming], what: str) -> None:
        if self.stopping():
            raise BatchHeld(f"stopping; a batch of {len(batch)} stays unreleased")
        log.warning("enrich: %s a batch of %d is handled again", what, len(batch))
        try:
            await until_done(self.enricher.handle, batch, "enrich", self.stopping)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise BatchHeld(str(exc)) from exc

    async def _publishing(self) -> None:
        while True:
            token, batch, prepared = await self._to_publish.get()
            try:
                published = await self.enricher.publish_batch(prepared)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("enrich: publishing a batch of %d failed", len(batch))
                await self._again(batch, "publishing failed:")
                published = Published([], [])
            finally:
                self._queued.remove(prepared)
                self._ahead.release()
            self._published += 1
            self._to_settle.put_nowait((token, batch, published, self._published))

    async def _settling(self) -> None:
        while True:
            token, batch, published, seq = await self._to_settle.get()
            if seq <= self._stale_upto:
                await asyncio.gather(*published.pending, return_exceptions=True)
                await self._again(batch, "following an earlier batch sent again,")
                self._stale_upto = self._published
            else:
                try:
                    await self.enricher.settle(published)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("enrich: the broker did not acknowledge a batch of %d", len(batch))
                    await self._again(batch, "acknowledging failed:")
                    self._stale_upto = self._published
            self.unreleased -= 1
            self.release(token, batch)

    async def close(self) -> None:
        """Stop the tasks; batches not released stay unacked (uncommitted) for the next owner."""
        held = self.unreleased
        for task in self._tasks:
            task.cancel()
        for prepared in self._queued:
            prepared.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if held:
            log.warning("enrich: stopping with %d batch(es) unfinished; their offsets stay uncommitted", held)
