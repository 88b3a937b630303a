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

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import urlsplit

from schemas import EnrichedArticle, Event, Incident, IncidentMember, content_id

DEFAULT_WINDOW_DAYS = 7
DEFAULT_ESCALATION_DAYS = 30
# Two dated reports of one key on different days are one act when their terms are at least this similar.
DEFAULT_MIN_SIMILARITY = 0.1
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


_WORD = re.compile(r"[^\W\d_]+")
# Words that tell no act from another: function words, reporting and time words, titles of office.
_STOP = frozenset("""
a about above after again against ago all also an and any are as at be been before being between both but by
can could did do does during each early earlier for from further had has have having he her here hers him his
how i if in into is it its itself late later latest least less more most much my new next no nor not now of off
on once only or other our out over own same she should since so some such than that the their theirs them then
there these they this those through to too under until up upon very was we were what when where which while who
whom whose why will with within without would yet you your
say says said saying told tell according report reports reported reporting announce announced announcement
statement statements week weeks day days today yesterday tomorrow month months year years time morning evening
night monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december one two three four five six seven eight nine ten first second third
official officials government governments minister ministers ministry ministries president prime spokesman
spokeswoman spokesperson foreign affairs state country countries nation nations leader leaders side sides
move step steps decision decisions plan plans issue issues
""".split())
# The words of the act itself (what every report of the key says anyway), per event type.
_TRIGGER_FAMILY = {
    "sanction": frozenset("""sanction sanctions sanctioned sanctioning impose imposed imposes imposing
        imposition penalty penalties measure measures restriction restrictions embargo embargoes threaten
        threatened threatens threatening threat threats warn warned warns warning lift lifted lifts lifting ease
        eased eases easing waive waived freeze froze frozen target targets targeted targeting list listed
        lists listing""".split()),
    "diplomacy": frozenset("""talk talks held hold holds holding meet meets met meeting meetings summit
        summits call calls called phone spoke speak speaks visit visited visits agree agreed agreement agreements
        sign signed signs signing negotiate negotiated negotiation negotiations discuss discussed discussion
        discussions joint statement host hosted hosts hosting""".split()),
}


def _stem(word: str) -> str:
    """A crude English stem: enough for 'drones'/'drone', 'companies'/'company', 'reaches'/'reach'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms_of(event: Event, record: EnrichedArticle) -> tuple[str, ...]:
    """What the report says about the act beyond its key: the stemmed content words of the article's title and
    the event's evidence sentence, less function, time and office words, the act's own words (its trigger
    family) and the names by which the parties are mentioned. Sorted, deduplicated."""
    codes = set(event.actors) | set(event.targets)
    party_entities = {e.id for e in record.analysis.entities if e.actor in codes}
    names = " ".join([e.name for e in record.analysis.entities if e.id in party_entities]
                     + [m.text for m in record.analysis.mentions if m.entity_id in party_entities])
    family = _TRIGGER_FAMILY.get(event.type, frozenset())
    named = {w.casefold() for w in _WORD.findall(f"{names} {event.trigger}")}

    def kept(word: str) -> bool:
        return word not in _STOP and word not in family and word not in named

    words = (w.casefold() for w in _WORD.findall(f"{record.article.title or ''} {event.evidence.text}"))
    return tuple(sorted({stem for w in words if len(w) > 2 and kept(w) and kept(stem := _stem(w))}))


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard similarity of two term sets."""
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left | right else 0.0


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
        seen=record.article.published or record.processed_at, evidence=event.evidence.text,
        dated=event.event_date is not None, terms=terms_of(event, record))


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


def _linked(a: IncidentMember, b: IncidentMember, window_days: int, min_similarity: float) -> bool:
    """Two dated members of one key are one act: dates less than `window_days` apart, and the same date or
    similar evidence (a report that says nothing beyond the key cannot tell, so it links on the date)."""
    if abs((a.event_date - b.event_date).days) >= window_days:
        return False
    return (a.event_date == b.event_date or not a.terms or not b.terms
            or similarity(a.terms, b.terms) >= min_similarity)


def _order(m: IncidentMember) -> tuple[date, str, str]:
    return m.event_date, m.article_id, m.event_id


def components(members: Sequence[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
               min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[list[IncidentMember]]:
    """The members of ONE key split into incidents, each sorted by (date, article, event), the components by
    earliest date. Dated members: connected components of `_linked` (single linkage). An undated member (its
    date is the article's publication) joins by key only: the dated component nearest its date, if less than
    `window_days` away (ties: the earlier), never bridging two; the rest link among themselves by date alone.
    Every step depends on the set of members, not on their order."""
    dated = sorted((m for m in members if m.dated), key=_order)
    parent = list(range(len(dated)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(dated):
        for j in range(i + 1, len(dated)):
            b = dated[j]
            if (b.event_date - a.event_date).days >= window_days:
                break
            if _linked(a, b, window_days, min_similarity):
                parent[root(j)] = root(i)
    groups: dict[int, list[IncidentMember]] = defaultdict(list)
    for i, m in enumerate(dated):
        groups[root(i)].append(m)
    found = sorted(groups.values(), key=lambda c: _order(c[0]))
    spans = [(c[0].event_date, max(m.event_date for m in c)) for c in found]
    loose: list[list[IncidentMember]] = []
    for m in sorted((m for m in members if not m.dated), key=_order):
        gap, k = min(((max((lo - m.event_date).days, (m.event_date - hi).days, 0), k)
                      for k, (lo, hi) in enumerate(spans)), default=(window_days, -1))
        if gap < window_days:
            found[k].append(m)
        elif loose and (m.event_date - loose[-1][-1].event_date).days < window_days:
            loose[-1].append(m)  # sorted: single linkage over the dates
        else:
            loose.append([m])
    return sorted((sorted(c, key=_order) for c in found + loose), key=lambda c: _order(c[0]))


def assign(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
           min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[IncidentMember]:
    """Every member with the id (and `window_start`, the earliest event date) of the incident it joins; one
    member per (article, event); sorted by (incident, article, event). The id is the key's and the earliest
    date's; two components of a key never share an earliest date (same-date dated members always link, an
    undated one that close joins them), and should they, the later gets its first member in its id too."""
    unique = {(m.article_id, m.event_id): m for m in members}
    by_key: dict[Key, list[IncidentMember]] = defaultdict(list)
    for m in unique.values():
        by_key[_key(m)].append(m)
    out = []
    for (type_, subtype, actors, targets), group in by_key.items():
        used: set[str] = set()
        for component in components(group, window_days, min_similarity):
            start = component[0].event_date
            incident_id = incident_id_for(type_, subtype, actors, targets, start)
            if incident_id in used:  # pragma: no cover - see above
                incident_id = content_id(incident_id, component[0].article_id, component[0].event_id, prefix="inc-")
            used.add(incident_id)
            out += [m.model_copy(update={"incident_id": incident_id, "window_start": start}) for m in component]
    return sorted(out, key=lambda m: (m.incident_id, m.article_id, m.event_id))


def cluster(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
            escalation_days: int = DEFAULT_ESCALATION_DAYS, min_similarity: float = DEFAULT_MIN_SIMILARITY,
            ) -> tuple[list[IncidentMember], list[Incident]]:
    """(the members as assigned, their incidents with escalation links, sorted by id). The same set of members
    in any order gives the same result."""
    assigned = assign(members, window_days, min_similarity)
    groups: dict[str, list[IncidentMember]] = defaultdict(list)
    for m in assigned:
        groups[m.incident_id].append(m)
    incidents = [fold(group) for _, group in sorted(groups.items())]
    return assigned, link_escalations(incidents, escalation_days)


def build(members: Iterable[IncidentMember], window_days: int = DEFAULT_WINDOW_DAYS,
          escalation_days: int = DEFAULT_ESCALATION_DAYS, min_similarity: float = DEFAULT_MIN_SIMILARITY,
          ) -> list[Incident]:
    """Every incident of a set of members, escalation links set, sorted by id (`cluster` without the members)."""
    return cluster(members, window_days, escalation_days, min_similarity)[1]
