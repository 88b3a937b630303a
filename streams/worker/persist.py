"""enriched -> database: the Persister, the sink whose transaction decides when a batch is done."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

import storage
from schemas import DeadLetter, EnrichedArticle
from streams.worker import incidents
from streams.worker.batch import Batcher, Incoming, seconds_since, sleep_unless
from streams.worker.decode import dead_letter, decode_record

log = logging.getLogger(__name__)


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
            pending.extend(await incidents.after_persist(self, stored))
            for record in stored:
                age = seconds_since(record.source_timestamp_ms)
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

        # Until it succeeds or the worker stops (then the batch is handed back unwritten and stays uncommitted,
        # streams/worker/agents.py), so a shutdown is never held hostage by a database outage.
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(storage.DatabaseUnavailable),
                                           wait=wait_exponential(multiplier=0.5, max=30),
                                           stop=lambda _state: self.stopping(),
                                           sleep=lambda s: sleep_unless(s, self.stopping),
                                           before_sleep=before_sleep, reraise=True):
            with attempt:
                await loop.run_in_executor(self.rt.db_executor, self.rt.repository.save_batch, records)
