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


