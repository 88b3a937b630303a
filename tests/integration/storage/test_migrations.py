"""The Alembic migrations create exactly what the models describe."""

import threading

import pytest
import sqlalchemy as sa

from storage import (
    DatabaseUnavailable,
    Repository,
    SchemaMissing,
    StorageError,
    current_revision,
    head_revision,
    make_engine,
    schema_diff,
    upgrade,
)
from storage.models import metadata


def test_upgrade_creates_every_table_at_the_head_revision(engine):
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"articles", "entities", "mentions", "events", "event_parties"} <= tables


def test_models_and_migrations_agree(engine):
    upgrade(engine)
    assert schema_diff(engine) == []


def test_the_comparison_notices_a_model_the_migrations_lack(engine):
    upgrade(engine)
    changed = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["articles"].append_column(sa.Column("author", sa.Text()))
    diff = schema_diff(engine, target=changed)
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "author")]


def test_upgrade_is_repeatable(engine):
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_upgrade_accepts_a_url(database_url):
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_workers_starting_together_all_upgrade_cleanly(database_url):
    """Several workers call upgrade at start; none may fail on a half-created schema."""
    errors: list[BaseException] = []
    engines = [make_engine(database_url) for _ in range(3)]

    def start(engine):
        try:
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []
    assert current_revision(database_url) == head_revision()


def test_a_database_from_a_newer_newsmon_is_a_clear_error(engine):
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="newer version of newsmon") as info:
        upgrade(engine)
    assert not isinstance(info.value, DatabaseUnavailable)


def test_reading_before_upgrade_says_to_upgrade(engine):
    with pytest.raises(SchemaMissing, match="newsmon db upgrade"):
        Repository(engine, migrate=False).stats()
