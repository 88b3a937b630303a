"""SQLite engines are set up for concurrent use; URLs never leak their password."""

import pytest
import sqlalchemy as sa

from storage import DatabaseUnavailable, Repository, SchemaMissing, StorageError, make_engine, mask_url
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, parse_url


def test_sqlite_engine_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_sqlite_engine_creates_the_database_directory(tmp_path):
    path = tmp_path / "not" / "yet" / "there.db"
    with make_engine(f"sqlite:///{path}").connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    assert path.exists()


def test_sqlite_transactions_roll_back_ddl_and_data(tmp_path):
    """SQLAlchemy, not pysqlite, begins transactions, so a failed upgrade or batch leaves nothing."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            raise RuntimeError("abort")
    assert "t" not in sa.inspect(engine).get_table_names()


def test_postgres_engine_pings_connections_before_use():
    engine = make_engine("postgresql+psycopg://u:p@127.0.0.1:1/db")
    assert engine.pool._pre_ping


def test_mask_url_hides_the_password():
    masked = mask_url("postgresql+psycopg://newsmon:hunter2@db.example:5432/newsmon")
    assert "hunter2" not in masked
    assert masked == "postgresql+psycopg://newsmon:***@db.example:5432/newsmon"


def test_a_malformed_url_is_a_clear_error_without_the_url():
    with pytest.raises(StorageError, match="NEWSMON_DATABASE_URL") as info:
        parse_url("hunter2-is-not-a-url")
    assert "hunter2" not in str(info.value)
    assert mask_url("hunter2-is-not-a-url") == "<unparseable database URL>"


def test_an_unreachable_server_raises_database_unavailable():
    """Nothing listens on port 1: the agent must see a retryable error, not a crash or a hang."""
    engine = make_engine("postgresql+psycopg://newsmon:pw@127.0.0.1:1/newsmon")
    with pytest.raises(DatabaseUnavailable, match="database unavailable"):
        Repository(engine)
    with pytest.raises(DatabaseUnavailable):
        Repository(engine, migrate=False).stats()


def test_a_database_without_tables_is_a_schema_error_not_an_outage(tmp_path):
    repo = Repository(make_engine(f"sqlite:///{tmp_path / 'x.db'}"), migrate=False)
    with pytest.raises(SchemaMissing, match="newsmon db upgrade") as info:
        repo.article_count()
    assert not isinstance(info.value, DatabaseUnavailable)
