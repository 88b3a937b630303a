"""What `newsmon feeds run` remembers across restarts: the items it has published (by article id and by the
hash of the canonical URL) and each source's cursor and health. Imports sqlalchemy and storage only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from storage.errors import translate as _translate
from storage.migrate import upgrade
from storage.models import feed_items, feed_sources


def url_key(canonical_url: str | None) -> str | None:
    """The stored form of a canonical URL: its sha256 (URLs can be longer than an index allows)."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest() if canonical_url else None


@dataclass(frozen=True)
class SourceState:
    name: str
    cursor: dict[str, Any]
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    items_new: int
    items_rejected: int


@contextmanager
def translate(where: str) -> Iterator[None]:
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise _translate(exc, where) from exc


class FeedState:
    """The poller's memory, in the project's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine, *, migrate: bool = True):
        self.engine = engine
        if migrate:
            upgrade(engine.url)

    def unseen(self, candidates: Sequence[tuple[str, str | None]]) -> set[str]:
        """The article ids among (article id, canonical URL) pairs that were never sent, by id nor by URL."""
        if not candidates:
            return set()
        ids = [c[0] for c in candidates]
        keys = [k for k in (url_key(c[1]) for c in candidates) if k]
        with translate("reading feed items"), self.engine.connect() as conn:
            seen_ids = set(conn.execute(sa.select(feed_items.c.article_id)
                                        .where(feed_items.c.article_id.in_(ids))).scalars())
            seen_keys = set(conn.execute(sa.select(feed_items.c.url_sha256)
                                         .where(feed_items.c.url_sha256.in_(keys))).scalars()) if keys else set()
        return {aid for aid, url in candidates if aid not in seen_ids and url_key(url) not in seen_keys}

    def mark_sent(self, source: str, items: Iterable[tuple[str, str | None]]) -> None:
        """Record (article id, canonical URL) pairs as published (already recorded ones are left as they are)."""
        now = datetime.now(UTC)
        with translate("recording feed items"), self.engine.begin() as conn:
            for article_id, url in items:
                exists = conn.execute(sa.select(feed_items.c.article_id)
                                      .where(feed_items.c.article_id == article_id)).first()
                if exists is None:
                    conn.execute(feed_items.insert().values(article_id=article_id, url_sha256=url_key(url),
                                                            source=source, sent_at=now))

    def sources(self) -> dict[str, SourceState]:
        with translate("reading feed sources"), self.engine.connect() as conn:
            rows = conn.execute(sa.select(feed_sources)).mappings().all()
        return {row["name"]: SourceState(**row) for row in rows}

    def source(self, name: str) -> SourceState:
        state = self.sources().get(name)
        return state or SourceState(name, {}, None, None, 0, None, 0, 0)

    def record(self, name: str, *, cursor: dict[str, Any] | None = None, ok: bool, error: str | None = None,
               new: int = 0, rejected: int = 0) -> SourceState:
        """One poll's outcome: on success the new cursor and counts, on failure the error (the cursor kept)."""
        now = datetime.now(UTC)
        with translate("recording a feed poll"), self.engine.begin() as conn:
            row = conn.execute(sa.select(feed_sources).where(feed_sources.c.name == name)).mappings().first()
            old = SourceState(**row) if row else SourceState(name, {}, None, None, 0, None, 0, 0)
            values: dict[str, Any] = {
                "cursor": cursor if (ok and cursor is not None) else old.cursor,
                "last_attempt_at": now,
                "last_success_at": now if ok else old.last_success_at,
                "consecutive_failures": 0 if ok else old.consecutive_failures + 1,
                "last_error": None if ok else error,
                "items_new": old.items_new + new,
                "items_rejected": old.items_rejected + rejected,
            }
            if row is None:
                conn.execute(feed_sources.insert().values(name=name, **values))
            else:
                conn.execute(feed_sources.update().where(feed_sources.c.name == name).values(**values))
        return SourceState(name=name, **values)

    def forget(self, name: str) -> None:
        """Drop a removed source's cursor and health (its items stay: they were sent)."""
        with translate("removing a feed source"), self.engine.begin() as conn:
            conn.execute(feed_sources.delete().where(feed_sources.c.name == name))
