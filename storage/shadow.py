"""Shadow runs and their comparison: what a rules version coded, beside the live rows (`newsmon recode
--shadow`), the events any version coded (shadow or live), the difference between two versions (`newsmon
diff`), and the record of a promotion (`newsmon promote`).

A version is the content-derived `rules_version` on each event (processors/rules.py): live rows hold the
version that coded them; shadow_analyses hold, per version, the whole enriched record of each article it coded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from schemas import EnrichedArticle, Event
from storage.engine import transaction
from storage.models import articles, events, promotions, shadow_analyses
from storage.rows import event_from_row

CHUNK = 500


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _published(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    clauses = []
    if since is not None:
        clauses.append(column >= since)
    if until is not None:
        clauses.append(column < until)
    return clauses


class ShadowStore:
    """The shadow tables and the per-version reads of the live ones."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def _conn(self, what: str, write: bool = False) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, what, write)

    def save(self, records: Sequence[EnrichedArticle]) -> int:
        """Store shadow analyses (upsert by rules version and article id); never touches live rows."""
        if not records:
            return 0
        now = _utcnow()
        latest = {(r.analysis.rules_version, r.article.id): r for r in records}
        rows = [{"rules_version": v, "article_id": aid, "published": r.article.published,
                 "events": len(r.analysis.events), "record": r.model_dump_json(), "coded_at": now}
                for (v, aid), r in sorted(latest.items())]
        with self._conn(f"saving {len(rows)} shadow analyses", write=True) as conn:
            for (version, _aid), row in zip(sorted(latest), rows, strict=True):
                conn.execute(shadow_analyses.delete().where(shadow_analyses.c.rules_version == version,
                                                            shadow_analyses.c.article_id == row["article_id"]))
            conn.execute(shadow_analyses.insert(), rows)
        return len(rows)

    def shadow_records(self, version: str, *, since: datetime | None = None,
                       until: datetime | None = None) -> list[EnrichedArticle]:
        """Every article a shadow run of `version` coded (published in [since, until) when given)."""
        query = (sa.select(shadow_analyses.c.record)
                 .where(shadow_analyses.c.rules_version == version,
                        *_published(shadow_analyses.c.published, since, until))
                 .order_by(shadow_analyses.c.article_id))
        with self._conn(f"reading the shadow run of {version}") as conn:
            return [EnrichedArticle.model_validate_json(raw) for raw in conn.execute(query).scalars()]

    def live_events(self, version: str, *, since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, list[Event]]:
        """article id -> its live events, for the live articles coded by `version` (events or not)."""
        query = sa.select(articles.c.id).where(articles.c.rules_version == version,
                                               *_published(articles.c.published, since, until))
        out: dict[str, list[Event]] = {}
        with self._conn(f"reading the live events of {version}") as conn:
            ids = list(conn.execute(query).scalars())
            for aid in ids:
                out[aid] = []
            for i in range(0, len(ids), CHUNK):
                rows = conn.execute(sa.select(events).where(events.c.article_id.in_(ids[i:i + CHUNK]))
                                    .order_by(events.c.article_id, events.c.evidence_start, events.c.id))
                for row in rows.mappings():
                    out[row["article_id"]].append(event_from_row(row))
        return out

    def coded(self, version: str, *, since: datetime | None = None,
              until: datetime | None = None) -> dict[str, list[Event]]:
        """article id -> events, for every article `version` coded: live rows, and shadow runs over them."""
        out = self.live_events(version, since=since, until=until)
        for record in self.shadow_records(version, since=since, until=until):
            out[record.article.id] = list(record.analysis.events)
        return out

    def versions(self) -> list[dict[str, Any]]:
        """Every version the database knows: live articles and shadow analyses of each, and its last promotion."""
        found: dict[str, dict[str, Any]] = defaultdict(lambda: {"live": 0, "shadow": 0, "promoted_at": None})
        with self._conn("listing rules versions") as conn:
            for version, n in conn.execute(sa.select(articles.c.rules_version, sa.func.count())
                                           .group_by(articles.c.rules_version)):
                found[version]["live"] = n
            for version, n in conn.execute(sa.select(shadow_analyses.c.rules_version, sa.func.count())
                                           .group_by(shadow_analyses.c.rules_version)):
                found[version]["shadow"] = n
            for version, at in conn.execute(sa.select(promotions.c.rules_version,
                                                      sa.func.max(promotions.c.promoted_at))
                                            .group_by(promotions.c.rules_version)):
                found[version]["promoted_at"] = at
        return [{"version": v, **found[v]} for v in sorted(found)]

    def record_promotion(self, version: str, count: int) -> None:
        with self._conn(f"recording the promotion of {version}", write=True) as conn:
            conn.execute(promotions.insert().values(rules_version=version, articles=count,
                                                    promoted_at=_utcnow()))


# ---- the comparison ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One difference: an event only in the new version (added), only in the old (removed), or coded
    differently on the same sentence (changed: `old` and `new` both set)."""

    kind: str  # "added" | "removed" | "changed"
    article_id: str
    old: Event | None = None
    new: Event | None = None

    @property
    def event(self) -> Event:
        ev = self.new or self.old
        assert ev is not None
        return ev

    def fields(self) -> list[str]:
        """What differs, for a changed event."""
        if not (self.old and self.new):
            return []
        return [f for f in ("subtype", "actors", "targets", "certainty", "event_date", "cameo")
                if getattr(self.old, f) != getattr(self.new, f)]


@dataclass
class Diff:
    old_version: str
    new_version: str
    compared: int = 0  # articles coded by both versions
    only_old: int = 0  # articles coded by one version only: not compared
    only_new: int = 0
    unchanged: int = 0  # events the same in both
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """(type, subtype) -> {"added", "removed", "changed"}; a changed event counts under its new subtype."""
        out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"added": 0, "removed": 0, "changed": 0})
        for change in self.changes:
            out[(change.event.type, change.event.subtype)][change.kind] += 1
        return dict(sorted(out.items()))


def _same(a: Event, b: Event) -> bool:
    keys = ("type", "subtype", "actors", "targets", "certainty", "event_date", "cameo", "evidence")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def compare(old_version: str, old: dict[str, list[Event]], new_version: str,
            new: dict[str, list[Event]]) -> Diff:
    """What changed from `old` to `new` (article id -> events), over the articles both coded. Events on the same
    sentence (evidence span) with the same type are paired: identical ones are unchanged, others changed; the
    rest are added or removed. Deterministic: pairs and lists are in (article, offset, id) order."""
    diff = Diff(old_version, new_version, only_old=len(old.keys() - new.keys()),
                only_new=len(new.keys() - old.keys()))
    for aid in sorted(old.keys() & new.keys()):
        diff.compared += 1
        rest_old = sorted(old[aid], key=lambda e: (e.evidence.start, e.id))
        rest_new = sorted(new[aid], key=lambda e: (e.evidence.start, e.id))
        for ev in list(rest_new):
            twin = next((o for o in rest_old if _same(o, ev)), None)
            if twin is not None:
                rest_old.remove(twin)
                rest_new.remove(ev)
                diff.unchanged += 1
        for ev in list(rest_new):
            twin = next((o for o in rest_old if (o.type, o.evidence.start, o.evidence.end)
                         == (ev.type, ev.evidence.start, ev.evidence.end)), None)
            if twin is not None:
                rest_old.remove(twin)
                rest_new.remove(ev)
                diff.changes.append(Change("changed", aid, twin, ev))
        diff.changes += [Change("removed", aid, old=o) for o in rest_old]
        diff.changes += [Change("added", aid, new=n) for n in rest_new]
    diff.changes.sort(key=lambda c: (c.event.type, c.event.subtype, c.kind, c.article_id, c.event.evidence.start))
    return diff
