"""Several writers at once (a rebalance can hand the same articles to two workers), and dropped
connections: no deadlock, no lost update of a newer analysis, no error that needs a human."""

import random
import threading

import pytest
import sqlalchemy as sa

from storage import Repository, make_engine
from tests.support.records import counts, make_batch


def test_concurrent_overlapping_batches_converge_on_the_newest_rules(database_url):
    Repository(make_engine(database_url)).engine.dispose()  # migrate once up front
    ids = [f"art-{i:05d}" for i in range(40)]
    batches = []
    for version in range(1, 5):
        batch = make_batch(40, rules_version=f"sanction_rules.v{version}")
        random.Random(version).shuffle(batch)
        batches.append(batch)
    errors: list[BaseException] = []
    engines = [make_engine(database_url) for _ in batches]

    def write(engine, batch):
        try:
            repo = Repository(engine, migrate=False)
            for start in range(0, len(batch), 10):
                repo.save_batch(batch[start:start + 10])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=pair) for pair in zip(engines, batches, strict=False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for e in engines:
        e.dispose()
    assert errors == []
    repo = Repository(make_engine(database_url), migrate=False)
    assert {repo.article_rules_version(i) for i in ids} == {"sanction_rules.v4"}
    assert counts(repo)["articles"] == 40 and counts(repo)["events"]["total"] == 40
    repo.engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite has no server connection
def test_a_dropped_connection_is_replaced_transparently(postgres_url, database_url):
    engine = make_engine(database_url)
    repo = Repository(engine)
    repo.save_batch(make_batch(2))
    database = engine.url.database
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).scalar_one()
    admin.dispose()
    assert killed >= 1  # the pooled connection really was dropped
    repo.save_batch(make_batch(3, prefix="after"))
    assert repo.article_count() == 5
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: busy_timeout, unit-tested
def test_a_writer_stuck_behind_a_row_lock_gets_a_retryable_error(database_url):
    """A batch waiting on rows another transaction holds gives up after lock_timeout with
    DatabaseUnavailable (the agent retries) instead of hanging the agent forever."""
    from storage import DatabaseUnavailable
    from storage.models import articles

    repo = Repository(make_engine(database_url, lock_timeout_ms=300))
    repo.save_batch(make_batch(2))
    holder = make_engine(database_url)
    with holder.begin() as conn:
        conn.execute(sa.select(articles.c.id).where(articles.c.id == "art-00000").with_for_update()).all()
        with pytest.raises(DatabaseUnavailable, match="lock timeout"):
            repo.save_batch(make_batch(2))
    repo.save_batch(make_batch(2))  # once the lock is gone the same batch goes through
    assert repo.article_count() == 2
    holder.dispose()
    repo.engine.dispose()
