"""Reading stored articles back for `newsmon recode`, in a stable order, and its resumable cursor.

Articles are selected by their published date (and source, and ids) and walked in (published, id) order (an
article without a published time sorts by when it was first stored), one page at a time after a cursor, so a
run that stopped continues with the first article it had not handed on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from schemas import Article
from storage.engine import transaction
from storage.models import articles, recode_runs
from storage.rows import article_from_row

_SORT_TIME = sa.func.coalesce(articles.c.published, articles.c.first_seen_at)


@dataclass(frozen=True)
class Selection:
    """Which stored articles to recode."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    sources: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # only these article ids (empty: any)

    def key(self, purpose: str) -> str:
        """The run id of this selection for a purpose ("live", "shadow:<rules version>")."""
        digest = hashlib.sha256(json.dumps(self.describe(), sort_keys=True).encode())
        digest.update(purpose.encode())
        digest.update(b"\x1f".join(i.encode() for i in sorted(self.ids)))
        return f"rc-{digest.hexdigest()[:24]}"

    def describe(self) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "sources": sorted(self.sources), "ids": len(self.ids)}


@dataclass(frozen=True)
class Cursor:
    """The last article handed on, in walk order; None before the first."""

    time: datetime | None = None
    id: str | None = None


@dataclass(frozen=True)
class Run:
    id: str
    cursor: Cursor
    done: int
    total: int
    finished: bool


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _where(selection: Selection, ids: Sequence[str] | None = None) -> list[Any]:
    clauses: list[Any] = []
    if selection.since is not None:
        clauses.append(articles.c.published >= selection.since)
    if selection.until is not None:
        clauses.append(articles.c.published < selection.until)
    if selection.sources:
        clauses.append(articles.c.source.in_(list(selection.sources)))
    if ids is not None:
        clauses.append(articles.c.id.in_(list(ids)))
    return clauses


class RecodeStore:
    """The article walk and the run cursor of `newsmon recode`."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def _conn(self, what: str, write: bool = False) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, what, write)

    def count(self, selection: Selection) -> int:
        """How many stored articles the selection holds."""
        with self._conn("counting the articles to recode") as conn:
            if not selection.ids:
                query = sa.select(sa.func.count()).select_from(articles).where(*_where(selection))
                return conn.execute(query).scalar_one()
            total = 0
            ids = sorted(set(selection.ids))
            for i in range(0, len(ids), 500):
                query = sa.select(sa.func.count()).select_from(articles).where(
                    *_where(selection, ids[i:i + 500]))
                total += conn.execute(query).scalar_one()
            return total

    def page(self, selection: Selection, after: Cursor, limit: int) -> list[tuple[Cursor, Article]]:
        """The next `limit` articles after `after`, each with the cursor that points at it."""
        clauses = _where(selection)
        if after.id is not None:
            clauses.append(sa.or_(_SORT_TIME > after.time,
                                  sa.and_(_SORT_TIME == after.time, articles.c.id > after.id)))
        query = sa.select(articles, _SORT_TIME.label("sort_time")).where(*clauses)
        if selection.ids:
            # Large id lists are held in Python: walk all, keep the wanted (an IN list of 100k ids is no query).
            wanted = set(selection.ids)
            out: list[tuple[Cursor, Article]] = []
            last = after
            while len(out) < limit:
                batch = self.page(Selection(selection.since, selection.until, selection.sources), last, 2000)
                if not batch:
                    break
                out += [(c, a) for c, a in batch if a.id in wanted]
                last = batch[-1][0]
            return out[:limit]
        query = query.order_by(_SORT_TIME, articles.c.id).limit(limit)
        with self._conn("reading articles to recode") as conn:
            rows = conn.execute(query).mappings().all()
        return [(Cursor(_aware(row["sort_time"]), row["id"]), article_from_row(row)) for row in rows]

    def start(self, run_id: str, selection: Selection, total: int, restart: bool = False) -> Run:
        """The stored run of this selection (to continue it), or a new one; `restart` begins again."""
        now = _utcnow()
        with self._conn("starting a recode run", write=True) as conn:
            row = conn.execute(sa.select(recode_runs).where(recode_runs.c.id == run_id)).mappings().first()
            if row is not None and not restart:
                return Run(run_id, Cursor(row["cursor_time"], row["cursor_id"]), row["done"], row["total"],
                           row["finished_at"] is not None)
            conn.execute(recode_runs.delete().where(recode_runs.c.id == run_id))
            conn.execute(recode_runs.insert().values(
                id=run_id, selection=json.dumps(selection.describe(), sort_keys=True), cursor_time=None,
                cursor_id=None, done=0, total=total, started_at=now, updated_at=now, finished_at=None))
        return Run(run_id, Cursor(), 0, total, False)

    def advance(self, run_id: str, cursor: Cursor, done: int, finished: bool = False) -> None:
        """Record that every article up to `cursor` was handed on."""
        now = _utcnow()
        with self._conn("saving the recode cursor", write=True) as conn:
            conn.execute(recode_runs.update().where(recode_runs.c.id == run_id).values(
                cursor_time=cursor.time, cursor_id=cursor.id, done=done, updated_at=now,
                finished_at=now if finished else None))


def _aware(value: datetime | None) -> datetime | None:
    """coalesce() of two UTC columns comes back naive from SQLite."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns the raw text for an expression
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
