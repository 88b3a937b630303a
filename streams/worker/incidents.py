"""The worker's side of incidents (processors/incidents.py clusters, storage/incidents.py stores): after a
batch is persisted, rebuild the incidents its articles touch and publish the ones worth telling subscribers
about to `alerts.incidents`; before alerts go out, look up the incident and corroboration of each event.

Incidents are rebuilt after the persist transaction, in one of their own. The batch's input offsets are
committed only after both (the contract: streams/worker/agents.py); a crash in between is re-delivered and
rebuilds the same incidents. What such a re-delivery cannot do is announce again an incident the crashed run
had already stored: that notification is at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import Any

import processors.incidents as clustering
import storage
from schemas import Alert, EnrichedArticle, IncidentUpdate
from streams.worker.batch import dumps
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


def members(rt: Runtime, records: Sequence[EnrichedArticle]) -> list:
    window = rt.settings.incident_window_days
    return [m for record in records for m in clustering.members_of(record, window)]


def _update(rt: Runtime, records: Sequence[EnrichedArticle]) -> list[storage.IncidentChange]:
    build = partial(clustering.build, escalation_days=rt.settings.incident_escalation_days)
    return rt.repository.update_incidents(
        [r.article.id for r in records], members(rt, records), build, rt.settings.incident_threshold)


async def after_persist(batcher: Any, records: Sequence[EnrichedArticle]) -> list[Awaitable[Any]]:
    """Rebuild the incidents of the persisted `records`; publish the changes. Returns the sends' futures."""
    rt: Runtime = batcher.rt
    if not records:
        return []
    # retried like the save itself: an outage just after the batch was written delays, never crashes, the agent
    changes = await batcher._retrying(_update, rt, list(records))
    futures = []
    for change in changes:
        threshold = rt.settings.incident_threshold if change.reason == "corroborated" else None
        update = IncidentUpdate(reason=change.reason, incident=change.incident,  # type: ignore[arg-type]
                                threshold=threshold)
        futures.append(await batcher.publish("alerts_incidents", change.incident.id.encode("utf-8"),
                                             dumps(update)))
        rt.metrics.incidents_published.labels(change.incident.type, change.reason).inc()
    return futures


async def corroboration(rt: Runtime, chunk: Sequence[EnrichedArticle]) -> dict[str, set[str]] | None:
    """The outlets already stored for the incidents of a chunk's alertable events; None when the database
    cannot say. Best effort: alerts must not wait for the database (only the persist agent does), so an
    unavailable database leaves the alerts' corroboration unknown rather than holding them back."""
    window = rt.settings.incident_window_days
    ids = {clustering.member_of(ev, rec, window).incident_id
           for rec in chunk for ev in rec.analysis.events if ev.alertable}
    if not ids:
        return {}
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(rt.db_executor, rt.repository.incident_outlets, sorted(ids))
    except storage.StorageError as exc:
        log.warning("corroboration of %d incident(s) unknown, the database did not answer: %s", len(ids), exc)
        return None


def alert_for(rt: Runtime, record: EnrichedArticle, event: Any, known: dict[str, set[str]] | None) -> Alert:
    """The alert of an event, with its incident id and corroboration count (distinct outlets so far,
    this article's included; None when `known` is None: the database could not say)."""
    article = record.article
    member = clustering.member_of(event, record, rt.settings.incident_window_days)
    count = None if known is None else len(known.get(member.incident_id, set()) | {member.outlet})
    return Alert.for_event(event, title=article.title, url=article.url, published=article.published,
                           incident_id=member.incident_id, corroboration=count)
