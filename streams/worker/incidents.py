"""The worker's side of incidents (processors/incidents.py clusters, storage/incidents.py stores): after a
batch is persisted, rebuild the incidents its articles touch and publish the ones worth telling subscribers
about to `alerts.incidents`; before alerts go out, look up the incident and corroboration of each event.

Incidents are rebuilt after the persist transaction, in one of their own. The batch's input offsets are
committed only after both (the contract: streams/worker/agents.py); a crash in between is re-delivered and
rebuilds the same incidents. Announcements are at least once, as alerts are: the rebuild returns what is due
from the announced state stored with each incident (storage/incidents.py `_due`), the worker publishes it,
waits for the broker's acknowledgement, and only then records it (`mark_incidents_announced`); a crash before
that leaves it due, and the re-delivered batch, rebuilding the same party groups, sends it again.
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


def members(records: Sequence[EnrichedArticle]) -> list:
    return [m for record in records for m in clustering.members_of(record)]


def cluster_for(settings: Any) -> Any:
    """The clustering with the deployment's window and escalation settings (what storage rebuilds with)."""
    return partial(clustering.cluster, window_days=settings.incident_window_days,
                   escalation_days=settings.incident_escalation_days,
                   min_similarity=settings.incident_similarity)


def _update(rt: Runtime, records: Sequence[EnrichedArticle]) -> list[storage.IncidentChange]:
    return rt.repository.update_incidents(
        [r.article.id for r in records], members(records), cluster_for(rt.settings), rt.settings.incident_threshold)


async def after_persist(batcher: Any, records: Sequence[EnrichedArticle]) -> list[Awaitable[Any]]:
    """Rebuild the incidents of the persisted `records` and publish what is due of them. Returns one awaitable:
    the broker's acknowledgements, then the record of the announcements in the database (retried while it is
    unavailable); the batch is done only when it is."""
    rt: Runtime = batcher.rt
    if not records:
        return []
    # retried like the save itself: an outage just after the batch was written delays, never crashes, the agent
    changes = await batcher._retrying(_update, rt, list(records))
    if not changes:
        return []
    futures = []
    for change in changes:
        threshold = rt.settings.incident_threshold if change.reason == "corroborated" else None
        update = IncidentUpdate(reason=change.reason, incident=change.incident,  # type: ignore[arg-type]
                                threshold=threshold)
        futures.append(await batcher.publish("alerts_incidents", change.incident.id.encode("utf-8"),
                                             dumps(update)))
        rt.metrics.incidents_published.labels(change.incident.type, change.reason).inc()

    async def acknowledged_then_recorded() -> None:
        await asyncio.gather(*futures)
        await batcher._retrying(rt.repository.mark_incidents_announced, changes)

    return [asyncio.ensure_future(acknowledged_then_recorded())]


Known = dict[tuple[str, str], tuple[str, set[str]]]  # (article id, event id) -> (incident id, its outlets)


async def corroboration(rt: Runtime, chunk: Sequence[EnrichedArticle]) -> Known | None:
    """The stored incident of each of a chunk's alertable events and that incident's outlets, read after the
    rebuild (so an event's incident is the one its stored membership names: a later report may have merged
    or re-identified it); None when the database cannot say. Best effort: alerts must not wait for the
    database (only the persist agent does), so an unavailable database leaves the alerts' incident and
    corroboration unknown rather than holding them back."""
    keys = sorted({(rec.article.id, ev.id) for rec in chunk for ev in rec.analysis.events if ev.alertable})
    if not keys:
        return {}
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(rt.db_executor, rt.repository.incidents_of, keys)
    except storage.StorageError as exc:
        log.warning("incidents of %d event(s) unknown, the database did not answer: %s", len(keys), exc)
        return None


def alert_for(rt: Runtime, record: EnrichedArticle, event: Any, known: Known | None) -> Alert:
    """The alert of an event, with its incident id and corroboration count (distinct outlets of the stored
    incident); both None when the database could not say (`known` None) or the event is no incident member
    (it names no party)."""
    article = record.article
    incident_id, outlets = (known or {}).get((article.id, event.id), (None, set()))
    count = len(outlets) if incident_id else None
    return Alert.for_event(event, title=article.title, url=article.url, published=article.published,
                           incident_id=incident_id, corroboration=count)
