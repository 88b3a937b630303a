"""Building engines: SQLite tuned for one writer and many readers, PostgreSQL with liveness checks."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.errors import StorageError, translate

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECT_TIMEOUT_S = 5
POSTGRES_LOCK_TIMEOUT_MS = 30_000


def parse_url(url: str | URL) -> URL:
    """A SQLAlchemy URL, or a StorageError that says what is wrong without echoing the password."""
    if isinstance(url, URL):
        return url
    try:
        return make_url(str(url))
    except (ArgumentError, ValueError) as exc:
        raise StorageError(
            "the database URL is not a valid SQLAlchemy URL (expected e.g. sqlite:///newsmon.db or "
            "postgresql+psycopg://user:password@host:5432/dbname); check NEWSMON_DATABASE_URL"
        ) from exc


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by ***, safe to print and log."""
    try:
        return parse_url(url).render_as_string(hide_password=True)
    except StorageError:
        return "<unparseable database URL>"


def make_engine(url: str | URL, *, lock_timeout_ms: int = POSTGRES_LOCK_TIMEOUT_MS, **kw: Any) -> sa.Engine:
    """An engine for `url`. SQLite: WAL, foreign keys on, busy timeout, transactions begun by SQLAlchemy.
    PostgreSQL: pool_pre_ping, a connect timeout and a lock timeout, so an outage or a writer stuck
    behind another's row locks fails (as DatabaseUnavailable, retried) instead of hanging."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, **kw)
    if backend == "postgresql":
        kw.setdefault("pool_pre_ping", True)
        if parsed.get_driver_name() in ("psycopg", "psycopg2"):
            connect_args = dict(kw.pop("connect_args", {}))
            if "connect_timeout" not in parsed.query:
                connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
            if "options" not in parsed.query:  # the URL's own server options win
                connect_args.setdefault("options", f"-c lock_timeout={int(lock_timeout_ms)}")
            kw["connect_args"] = connect_args
        return sa.create_engine(parsed, **kw)
    return sa.create_engine(parsed, **kw)


def _sqlite_engine(url: URL, **kw: Any) -> sa.Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        # A fresh checkout has no data directory yet; SQLite would fail with "unable to open".
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy, not the pysqlite driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            _set_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # Writers ask for BEGIN IMMEDIATE (execution option sqlite_begin="IMMEDIATE"): a batch reads
        # stored rules versions and then writes, and two writers that both read first would deadlock on
        # the upgrade from a read to a write lock. Readers keep the default, which WAL never blocks.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _set_wal(cursor, attempts: int = 50) -> None:  # noqa: ANN001
    """Switch to WAL (persistent in the file). Switching needs an exclusive lock and SQLite does not
    always wait for it through busy_timeout, so a brand-new file opened by several workers at once
    can answer "database is locked": retry briefly."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


@contextmanager
def transaction(engine: sa.Engine, what: str, write: bool = False) -> Iterator[sa.Connection]:
    """One transaction, its errors translated into the storage error that says what to do (`what`: what was
    being done). Writers begin IMMEDIATE on SQLite (see `_sqlite_engine`)."""
    try:
        with engine.connect() as conn:
            if write:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
    except SQLAlchemyError as exc:
        raise translate(exc, what) from exc
