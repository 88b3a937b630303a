"""Shared fixtures. Tiers follow the folder: tests/unit, tests/integration, tests/e2e.

Services are started by `make up` (deploy/local/*.sh) before pytest runs; a service that cannot be
reached makes the test fail with what to do, never skip.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        tier = parts[0] if len(parts) > 1 else "unit"
        if tier in ("unit", "integration", "e2e"):
            item.add_marker(getattr(pytest.mark, tier))


def _reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The real local broker (`make up` starts it)."""
    bootstrap = os.environ.get("NEWSMON_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    host, _, port = bootstrap.rpartition(":")
    if not _reachable(host, int(port)):
        pytest.fail(f"Kafka is not reachable at {bootstrap}: start it with `make up` "
                    f"(deploy/local/kafka.sh start)", pytrace=False)
    return bootstrap


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The real local PostgreSQL (`make up` starts it); a SQLAlchemy URL."""
    url = os.environ.get("NEWSMON_TEST_POSTGRES_URL",
                         "postgresql+psycopg://newsmon@127.0.0.1:55432/newsmon_test")
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not _reachable(u.host or "127.0.0.1", u.port or 5432):
        pytest.fail(f"PostgreSQL is not reachable at {u.host}:{u.port}: start it with `make up` "
                    f"(deploy/local/postgres.sh start)", pytrace=False)
    return url


@pytest.fixture
def unique_prefix() -> str:
    """A topic/group prefix of this test's own, so one broker serves the whole run."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each storage test runs against SQLite and PostgreSQL; each gets a fresh database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsmon.db'}"  # a generator fixture must yield, not return
        return
    base = request.getfixturevalue("postgres_url")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def cluster(kafka_bootstrap, unique_prefix):
    """All declared topics, under this test's prefix, by `newsmon topics create`'s code; deleted after."""
    from streams.kafka.admin import admin_client, ensure_topics
    from tests.support.cluster import Cluster

    cluster = Cluster(kafka_bootstrap, unique_prefix)
    created = ensure_topics(cluster.settings)
    assert len(created) == len(cluster.settings.topics())
    yield cluster
    admin = admin_client(cluster.settings)
    try:
        admin.delete_topics(created)
    finally:
        admin.close()
