"""Incidents: the same real-world act reported by several articles, as one record. Pure functions.

Events share a canonical key: (type, subtype, sorted actor codes, sorted target codes). Within one key, members
whose event dates (the date of the act, not of the report) are less than `window_days` apart are linked, and an
incident is a connected component of those links (single linkage: the members sorted by date, a new component
wherever two neighbours are `window_days` or more apart). The incident id derives from the key and the
component's earliest event date. Both are functions of the SET of members, never of the order they arrived in,
so the same articles in any order give the same incidents and a replay gives the same ids. There are no fixed
date buckets: two reports of one act a day apart are linked whatever the calendar says.

A member that arrives later can bridge two components (they merge into one incident) or predate a component
(its earliest date, hence its id, changes): the caller rebuilds every incident of the party group from all of its
members (storage/incidents.py), so the stored incidents are always `cluster` of the stored members and the old
ids are gone. What an incident says (first seen, outlets, articles, the evidence shown, the escalation link) is a
fold over its members that does not depend on their order either: minima, maxima, sets, and ties broken by ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import urlsplit

from schemas import EnrichedArticle, Event, Incident, IncidentMember, content_id

DEFAULT_WINDOW_DAYS = 7
DEFAULT_ESCALATION_DAYS = 30
# (type, earlier subtype) -> the subtype it escalates into between the same parties.
ESCALATIONS = {("sanction", "threaten"): "impose"}
# Acts with no direction: "Brazil and Indonesia held talks" and "Indonesia held talks with Brazil" are one act,
# so their parties are keyed as one set (all actors, no targets).
SYMMETRIC = {("diplomacy", s) for s in ("meeting_or_talks", "summit", "phone_call", "agreement_signed",
                                        "negotiation", "joint_statement")}


def parties(event: Event) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(actors, targets) as the incident key sees them: sorted, deduplicated, one set for symmetric acts."""
    if (event.type, event.subtype) in SYMMETRIC:
        return tuple(sorted(set(event.actors) | set(event.targets))), ()
    return tuple(sorted(set(event.actors))), tuple(sorted(set(event.targets)))


def party_key(type_: str, actors: Iterable[str], targets: Iterable[str]) -> str:
    """The parties of an act: incidents that may escalate into one another share it."""
    return content_id(type_, ",".join(sorted(set(actors))), ",".join(sorted(set(targets))), prefix="pk-")


def incident_id_for(type_: str, subtype: str, actors: Iterable[str], targets: Iterable[str],
                    start: date) -> str:
    """The incident id: from the canonical key and the earliest event date of the incident."""
    return content_id(type_, subtype, ",".join(sorted(set(actors))), ",".join(sorted(set(targets))),
                      start.isoformat(), prefix="inc-")


def outlet_of(record: EnrichedArticle) -> str:
    """Who reported it: the source as given (case-folded), else the URL's host, else the article id."""
    article = record.article
    if article.source and article.source.strip():
        return " ".join(article.source.split()).casefold()
    if article.url:
        host = urlsplit(article.url).hostname
        if host:
            return host.removeprefix("www.")
    return article.id


def event_day(event: Event, record: EnrichedArticle) -> date:
    """The date of the act: the event's own date, else the article's publication, else when it was processed."""
    if event.event_date is not None:
        return event.event_date
    return (record.article.published or record.processed_at).date()


def member_of(event: Event, record: EnrichedArticle) -> IncidentMember:
    """The event as a member of an incident. Its `incident_id` and `window_start` are provisional (the
    incident of this member alone): which incident it joins depends on the other members, `cluster` decides."""
    day = event_day(event, record)
    start = day
    actors, targets = parties(event)
    return IncidentMember(
        incident_id=incident_id_for(event.type, event.subtype, actors, targets, start),
        party_key=party_key(event.type, actors, targets), event_id=event.id,
        article_id=record.article.id, type=event.type, subtype=event.subtype, actors=actors, targets=targets,
        window_start=start, event_date=day, outlet=outlet_of(record),
        seen=record.article.published or record.processed_at, evidence=event.evidence.text)


def members_of(record: EnrichedArticle) -> list[IncidentMember]:
    """The incident members of an article: its asserted events that name at least one party (an act with
    nobody in it cannot be told apart from any other)."""
    return [member_of(ev, record) for ev in record.analysis.events
            if ev.alertable and (ev.actors or ev.targets)]


def fold(members: Sequence[IncidentMember]) -> Incident:
    """One incident from all of its members (any order)."""
    ordered = sorted(members, key=lambda m: (m.seen, m.article_id, m.event_id))
    first = ordered[0]
    return Incident(
        id=first.incident_id, party_key=first.party_key, type=first.type, subtype=first.subtype,
        actors=first.actors, targets=first.targets, window_start=first.window_start,
        first_date=min(m.event_date for m in members), last_date=max(m.event_date for m in members),
        first_seen=first.seen, latest_update=max(m.seen for m in members),
        articles=len({m.article_id for m in members}), sources=len({m.outlet for m in members}),
        outlets=tuple(sorted({m.outlet for m in members})),
        article_ids=tuple(sorted({m.article_id for m in members})), evidence=first.evidence)


def link_escalations(incidents: Sequence[Incident],
                     escalation_days: int = DEFAULT_ESCALATION_DAYS) -> list[Incident]:
    """Set `escalates_from` on each incident that follows an earlier one between the same parties (a
    threaten, then an impose, within `escalation_days`): the latest such earlier incident, ties by id."""
    by_party: dict[tuple[str, str], list[Incident]] = defaultdict(list)
    for inc in incidents:
        by_party[(inc.party_key, inc.subtype)].append(inc)
    out = []
    for inc in incidents:
        earlier_subtypes = [s for (t, s), later in ESCALATIONS.items() if t == inc.type and later == inc.subtype]
        candidates = [c for s in earlier_subtypes for c in by_party.get((inc.party_key, s), [])
                      if c.first_date <= inc.first_date
                      and inc.first_date - c.first_date <= timedelta(days=escalation_days)]
        source = max(candidates, key=lambda c: (c.first_date, c.id), default=None)
        out.append(inc.model_copy(update={"escalates_from": source.id if source else None}))
    return out


Key = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def _key(m: IncidentMember) -> Key:
    return m.type, m.subtype, m.actors, m.targets


def components(members: Sequence[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
               ) -> list[list[IncidentMember]]:
    """The members of ONE key split into incidents: single linkage over event dates, linked when less than
    `window_days` apart. Each component sorted by (date, article, event), the components by earliest date."""
    ordered = sorted(members, key=lambda m: (m.event_date, m.article_id, m.event_id))
    out: list[list[IncidentMember]] = []
    for m in ordered:
        if out and (m.event_date - out[-1][-1].event_date).days < window_days:
            out[-1].append(m)
        else:
            out.append([m])
    return out


def assign(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS) -> list[IncidentMember]:
    """Every member with the id (and `window_start`, the earliest event date) of the incident it joins; one
    member per (article, event), the later duplicate winning; sorted by (incident, article, event)."""
    unique = {(m.article_id, m.event_id): m for m in members}
    by_key: dict[Key, list[IncidentMember]] = defaultdict(list)
    for m in unique.values():
        by_key[_key(m)].append(m)
    out = []
    for (type_, subtype, actors, targets), group in by_key.items():
        for component in components(group, window_days):
            start = component[0].event_date
            incident_id = incident_id_for(type_, subtype, actors, targets, start)
            out += [m.model_copy(update={"incident_id": incident_id, "window_start": start}) for m in component]
    return sorted(out, key=lambda m: (m.incident_id, m.article_id, m.event_id))


def cluster(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
            escalation_days: int = DEFAULT_ESCALATION_DAYS) -> tuple[list[IncidentMember], list[Incident]]:
    """(the members as assigned, their incidents with escalation links, sorted by id). The same set of members
    in any order gives the same result."""
    assigned = assign(members, window_days)
    groups: dict[str, list[IncidentMember]] = defaultdict(list)
    for m in assigned:
        groups[m.incident_id].append(m)
    incidents = [fold(group) for _, group in sorted(groups.items())]
    return assigned, link_escalations(incidents, escalation_days)


def build(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
          escalation_days: int = DEFAULT_ESCALATION_DAYS) -> list[Incident]:
    """Every incident of a set of members, escalation links set, sorted by id (`cluster` without the members)."""
    return cluster(members, window_days, escalation_days)[1]
