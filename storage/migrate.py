"""Alembic, driven from code: upgrade, current/head revision, and the models-vs-database diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import make_engine
from storage.errors import StorageError, translate
from storage.models import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Serialises concurrent `upgrade` calls (several workers starting at once) on PostgreSQL.
_PG_MIGRATION_LOCK = 0x6E65_7773  # "news"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config pointing at storage/migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision in storage/migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations has no revisions"
    return head


def _engine(engine_or_url: sa.Engine | str | URL) -> tuple[sa.Engine, bool]:
    if isinstance(engine_or_url, sa.Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True


def upgrade(engine_or_url: sa.Engine | str | URL, revision: str = "head") -> None:
    """Bring the database schema up to `revision`, in one transaction; safe to call at every start."""
    engine, owned = _engine(engine_or_url)
    config = alembic_config()
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise translate(exc, "upgrading the database schema") from exc
    except CommandError as exc:  # e.g. the database was migrated by a newer newsmon than this one
        raise StorageError(
            f"upgrading the database schema to {revision!r} failed: {exc}. If the database was migrated "
            f"by a newer version of newsmon, run that version (this one knows revisions up to "
            f"{head_revision()})."
        ) from exc
    finally:
        if owned:
            engine.dispose()


def current_revision(engine_or_url: sa.Engine | str | URL) -> str | None:
    """The revision the database is at, or None for a database without newsmon's schema."""
    engine, owned = _engine(engine_or_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise translate(exc, "reading the schema revision") from exc
    finally:
        if owned:
            engine.dispose()


def schema_diff(engine_or_url: sa.Engine | str | URL, target: sa.MetaData = metadata) -> list[Any]:
    """What Alembic autogenerate would change to make the database match the models (empty = agree)."""
    engine, owned = _engine(engine_or_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, target))
    finally:
        if owned:
            engine.dispose()
