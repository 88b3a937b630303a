"""Incidents in the database: the members of each incident and the incidents folded from them.

The clustering itself is a pure function of the processors (processors/incidents.py), handed in as `cluster`:
storage imports only schemas. `update` rebuilds every incident of the party groups an article batch touches
from all their stored members, so the stored incidents (and each member's incident id) are always what
`cluster` gives for the stored members, whatever order the articles arrived in. The rebuild replaces every
incident row of those groups: an incident merged into another, or re-identified because an earlier report of
it arrived, leaves no orphan row behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from schemas import Incident, IncidentMember
from storage.errors import translate
from storage.models import incident_members, incidents

CHUNK = 500
# members -> (the members with the incident each joins, the incidents): processors.incidents.cluster
Cluster = Callable[[Iterable[IncidentMember]], tuple[list[IncidentMember], list[Incident]]]


@dataclass(frozen=True)
class IncidentChange:
    """What an update did to one incident worth telling subscribers about."""

    incident: Incident
    reason: str  # "new" | "corroborated" | "escalated" (schemas.INCIDENT_REASONS)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _lock_key(party_key: str) -> int:
    """A signed 64-bit advisory-lock key for a party group."""
    return int.from_bytes(hashlib.sha256(party_key.encode()).digest()[:8], "big", signed=True)


def _member_row(m: IncidentMember) -> dict[str, Any]:
    row = m.model_dump()
    row["actors"], row["targets"], row["terms"] = list(m.actors), list(m.targets), list(m.terms)
    return row


def _member_from_row(row: Any) -> IncidentMember:
    data = dict(row)
    data["actors"], data["targets"] = tuple(data["actors"]), tuple(data["targets"])
    data["terms"] = tuple(data["terms"] or ())  # NULL: stored before revision 0005
    data["dated"] = True if data["dated"] is None else data["dated"]
    return IncidentMember(**data)


def _incident_row(inc: Incident) -> dict[str, Any]:
    row = inc.model_dump()
    for key in ("actors", "targets", "outlets", "article_ids"):
        row[key] = list(row[key])
    return row


ANNOUNCED = ("announced_sources", "announced_escalates_from")


def incident_from_row(row: Any) -> Incident:
    data = {k: v for k, v in dict(row).items() if k not in ANNOUNCED}
    for key in ("actors", "targets", "outlets", "article_ids"):
        data[key] = tuple(data[key])
    return Incident(**data)


class IncidentStore:
    """Reads and writes the incident tables through one engine."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def update(self, article_ids: Sequence[str], members: Sequence[IncidentMember], cluster: Cluster,
               threshold: int) -> list[IncidentChange]:
        """Replace the memberships of `article_ids` with `members` and rebuild the incidents of every party
        group involved, in ONE transaction. Returns what is due to `alerts.incidents` of those groups (`_due`):
        the incidents never announced, that reached `threshold` sources, or that escalate an earlier one since
        last announced, including what an earlier call returned but `mark_announced` never recorded. Idempotent:
        the same call twice changes nothing stored."""
        ids = sorted(set(article_ids))
        try:
            with self._write() as conn:
                return self._update(conn, ids, members, cluster, threshold)
        except SQLAlchemyError as exc:
            raise translate(exc, f"updating the incidents of {len(ids)} article(s)") from exc

    def _update(self, conn: sa.Connection, ids: list[str], members: Sequence[IncidentMember], cluster: Cluster,
                threshold: int) -> list[IncidentChange]:
        keys: set[str] = {m.party_key for m in members}
        for chunk in _chunks(ids):
            keys.update(conn.execute(sa.select(incident_members.c.party_key).distinct()
                                     .where(incident_members.c.article_id.in_(chunk))).scalars())
        if not keys:
            return []
        party_keys = sorted(keys)
        if conn.dialect.name == "postgresql":  # one writer per party group; sorted, so none deadlock
            for key in party_keys:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(key)})
        for chunk in _chunks(ids):
            conn.execute(incident_members.delete().where(incident_members.c.article_id.in_(chunk)))
        unique = {(m.article_id, m.event_id): m for m in members}
        if unique:
            conn.execute(incident_members.insert(), [_member_row(m) for m in unique.values()])
        everyone: list[IncidentMember] = []
        announced: dict[str, tuple[int | None, str | None]] = {}
        for chunk in _chunks(party_keys):
            everyone += [_member_from_row(r) for r in conn.execute(
                sa.select(incident_members).where(incident_members.c.party_key.in_(chunk))).mappings()]
            announced.update((r.id, (r.announced_sources, r.announced_escalates_from)) for r in conn.execute(
                sa.select(incidents.c.id, *(incidents.c[k] for k in ANNOUNCED))
                .where(incidents.c.party_key.in_(chunk))))
        assigned, after = cluster(everyone)
        stored = {(m.article_id, m.event_id): (m.incident_id, m.window_start) for m in everyone}
        moved = [{"a": m.article_id, "e": m.event_id, "i": m.incident_id, "w": m.window_start}
                 for m in assigned if stored.get((m.article_id, m.event_id)) != (m.incident_id, m.window_start)]
        if moved:
            conn.execute(incident_members.update()
                         .where(incident_members.c.article_id == sa.bindparam("a"),
                                incident_members.c.event_id == sa.bindparam("e"))
                         .values(incident_id=sa.bindparam("i"), window_start=sa.bindparam("w")), moved)
        for chunk in _chunks(party_keys):
            conn.execute(incidents.delete().where(incidents.c.party_key.in_(chunk)))
        if after:  # an incident that keeps its id keeps what was announced of it; a new id starts unannounced
            conn.execute(incidents.insert(), [
                {**_incident_row(inc), **dict(zip(ANNOUNCED, announced.get(inc.id, (None, None)), strict=True))}
                for inc in after])
        return _due(after, announced, threshold)

    def mark_announced(self, sent: Sequence[IncidentChange]) -> None:
        """Record what the broker acknowledged: each incident as announced with the sources and escalation its
        sent announcement carried (never fewer sources than recorded already). An incident rebuilt under
        another id meanwhile is gone, and so is what was due of it: its successor is due as new."""
        latest: dict[str, Incident] = {}
        for change in sent:
            latest[change.incident.id] = change.incident
        if not latest:
            return
        rows = [{"i": inc.id, "s": inc.sources, "e": inc.escalates_from} for _, inc in sorted(latest.items())]
        try:
            with self._write() as conn:
                conn.execute(incidents.update().where(incidents.c.id == sa.bindparam("i")).values(
                    announced_sources=sa.case(
                        (incidents.c.announced_sources > sa.bindparam("s"), incidents.c.announced_sources),
                        else_=sa.bindparam("s")),
                    announced_escalates_from=sa.bindparam("e")), rows)
        except SQLAlchemyError as exc:
            raise translate(exc, f"recording {len(rows)} incident announcement(s)") from exc

    def get(self, incident_id: str) -> Incident | None:
        with self._read(f"reading incident {incident_id!r}") as conn:
            row = conn.execute(sa.select(incidents).where(incidents.c.id == incident_id)).mappings().first()
        return incident_from_row(row) if row else None

    def outlets(self, incident_ids: Iterable[str]) -> dict[str, set[str]]:
        """The stored outlets of each incident (absent: no member stored yet)."""
        ids = sorted(set(incident_ids))
        found: dict[str, set[str]] = {}
        with self._read("reading incident outlets") as conn:
            for chunk in _chunks(ids):
                for incident_id, outlet in conn.execute(
                        sa.select(incident_members.c.incident_id, incident_members.c.outlet).distinct()
                        .where(incident_members.c.incident_id.in_(chunk))):
                    found.setdefault(incident_id, set()).add(outlet)
        return found

    def membership(self, events: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, set[str]]]:
        """(article id, event id) -> (the incident the stored membership puts it in, the outlets of that
        incident); events that are no member are absent."""
        wanted = sorted(set(events))
        found: dict[tuple[str, str], str] = {}
        with self._read("reading incident memberships") as conn:
            for chunk in _chunks(sorted({a for a, _ in wanted})):
                for article_id, event_id, incident_id in conn.execute(
                        sa.select(incident_members.c.article_id, incident_members.c.event_id,
                                  incident_members.c.incident_id)
                        .where(incident_members.c.article_id.in_(chunk))):
                    found[(article_id, event_id)] = incident_id
        found = {key: found[key] for key in wanted if key in found}
        outlets = self.outlets(found.values())
        return {key: (incident_id, outlets.get(incident_id, set())) for key, incident_id in found.items()}

    def list(self, *, type_: str | None = None, since: datetime | None = None, min_sources: int = 1,
             limit: int = 50) -> list[Incident]:
        """Incidents, latest update first."""
        query = sa.select(incidents).where(incidents.c.sources >= min_sources)
        if type_:
            query = query.where(incidents.c.type == type_)
        if since is not None:
            query = query.where(incidents.c.latest_update >= since)
        query = query.order_by(incidents.c.latest_update.desc(), incidents.c.id).limit(limit)
        with self._read("listing incidents") as conn:
            return [incident_from_row(r) for r in conn.execute(query).mappings()]

    def count(self) -> int:
        with self._read("counting incidents") as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(incidents)).scalar_one()

    @contextmanager
    def _read(self, what: str) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise translate(exc, what) from exc


def _due(after: Sequence[Incident], announced: dict[str, tuple[int | None, str | None]],
         threshold: int) -> list[IncidentChange]:
    """What `alerts.incidents` still owes of each incident, from what was last announced of it: `new` when
    never announced, `corroborated` when it reached `threshold` outlets since, `escalated` when it escalates
    another incident than the one last announced. A sent-but-unrecorded announcement is due again (at least
    once); one recorded is never due again."""
    out = []
    for inc in after:
        sources, escalates_from = announced.get(inc.id, (None, None))
        if sources is None:
            out.append(IncidentChange(inc, "new"))
        if (sources or 0) < threshold <= inc.sources and threshold > 1:
            out.append(IncidentChange(inc, "corroborated"))
        if inc.escalates_from and inc.escalates_from != escalates_from:
            out.append(IncidentChange(inc, "escalated"))
    return out
