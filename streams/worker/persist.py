"""enriched -> database -> alerts: the Persister, the sink whose transaction decides when a batch is done, and
which publishes the alerts the stored rows say are due (an event new, or changed since its last alert)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

import storage
from schemas import DeadLetter, EnrichedArticle
from schemas.topics import ALERT_TOPIC_FOR_TYPE
from streams.worker import incidents
from streams.worker.batch import Batcher, Incoming, dumps, seconds_since, sleep_unless
from streams.worker.decode import dead_letter, decode_record

log = logging.getLogger(__name__)


Due = list[tuple[str, str]]  # storage.SaveResult.alerts_due: (event id, content fingerprint)


class Persister(Batcher):
    """enriched -> database, one transaction per batch, retried while the database is unavailable; then the
    alerts that the save says are due, and once the broker has them, their record in the database.

    An alert goes out when its event is new or its alert content changed (storage.Repository.save_batch), or
    when the record carries the realert header (`newsmon replay --realert`); a replay that changes nothing
    publishes nothing. A crash after the save but before `mark_alerted` leaves those alerts due, so the
    re-delivered batch sends them (at least once; the alert topics are compacted by alert id)."""

    agent = "persist"

    async def handle(self, batch: Sequence[Incoming]) -> None:
        self.m.batch_size.labels("persist").observe(len(batch))
        pending: list[Awaitable[Any]] = []
        # Keyed by article id: the same article twice in one batch is one upsert (the later record wins).
        latest: dict[str, tuple[EnrichedArticle, Incoming]] = {}
        realert: set[str] = set()
        for item in batch:
            result = decode_record(item.value, item.origin, EnrichedArticle)
            if isinstance(result, DeadLetter):
                pending.append(await self.send_dead_letter(result))
            else:
                latest[result.article.id] = (result, item)
                if item.realert:
                    realert.add(result.article.id)
        records = [record for record, _ in latest.values()]
        if records:
            t0 = time.perf_counter()
            due: Due = []
            stored = await self._save(records, {aid: item for aid, (_, item) in latest.items()}, pending,
                                      realert, due)
            self.m.stage_seconds.labels("persist_batch").observe(time.perf_counter() - t0)
            self.m.articles_persisted.inc(len(stored))
            self.delivered(len(stored))
            # incidents first, so that an alert's corroboration counts the outlets of this batch too
            pending.extend(await incidents.after_persist(self, stored))
            for record in stored:
                age = seconds_since(record.source_timestamp_ms)
                if age is not None:
                    self.m.end_to_end_seconds.labels("persisted").observe(age)
            await self._alert(stored, due)
        await asyncio.gather(*pending)

    async def _alert(self, stored: list[EnrichedArticle], due: Due) -> None:
        """Publish the due alerts, wait for the broker, then record them as sent."""
        if not due:
            return
        found = {event.id: (event, record) for record in stored for event in record.analysis.events}
        known = await incidents.corroboration(self.rt, [found[event_id][1] for event_id, _ in due])
        sent: list[tuple[Awaitable[Any], int | None]] = []
        for event_id, _ in due:
            event, record = found[event_id]
            alert = incidents.alert_for(self.rt, record, event, known)
            topic_key = ALERT_TOPIC_FOR_TYPE[event.type]
            sent.append((await self.publish(topic_key, alert.id.encode("utf-8"), dumps(alert)),
                         record.source_timestamp_ms))
            self.m.alerts_published.labels(topic_key).inc()
        await asyncio.gather(*(fut for fut, _ in sent))
        for _, ts in sent:
            age = seconds_since(ts)
            if age is not None:
                self.m.end_to_end_seconds.labels("alert").observe(age)
        await self._retrying(self.rt.repository.mark_alerted, due)

    async def _save(self, records: list[EnrichedArticle], items: dict[str, Incoming],
                    pending: list[Awaitable[Any]], realert: set[str], due: Due) -> list[EnrichedArticle]:
        """Save the batch (the alerts it makes due are added to `due`); records the database rejects are
        dead-lettered and the rest saved again."""
        try:
            result = await self._retrying(self.rt.repository.save_batch, records, realert)
            due.extend(getattr(result, "alerts_due", ()) or ())
            return records
        except storage.DatabaseUnavailable:  # pragma: no cover - _retrying never gives up
            raise
        except Exception as exc:
            rejected = set(getattr(exc, "article_ids", ()) or ())
            if not rejected and len(records) > 1:
                # The database did not say which record: find it by saving one at a time.
                stored: list[EnrichedArticle] = []
                for record in records:
                    stored.extend(await self._save([record], items, pending, realert, due))
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
            return await self._save(rest, items, pending, realert, due) if rest else []

    async def _retrying(self, write: Any, *args: Any) -> Any:
        """`write(*args)` in the database thread, retried while the database is unavailable."""
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
                return await loop.run_in_executor(self.rt.db_executor, write, *args)
        raise AssertionError("unreachable: AsyncRetrying either returns or raises")  # pragma: no cover
