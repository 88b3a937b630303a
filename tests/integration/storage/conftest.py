"""A fresh, migrated database per test, on SQLite and on PostgreSQL (the database_url fixture)."""

import pytest

from storage import Repository, make_engine


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine) -> Repository:
    return Repository(engine)


def counts(repo: Repository) -> dict:
    """Every row count, event_parties included."""
    import sqlalchemy as sa

    from storage.models import event_parties

    stats = repo.stats()
    with repo.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(event_parties)
        stats["event_parties"] = conn.execute(query).scalar_one()
    return stats
