"""Alembic environment, driven from code (storage.migrate) rather than an alembic.ini.

storage.migrate.upgrade hands over an open connection inside a transaction (config.attributes
["connection"]); the fallback builds an engine from the sqlalchemy.url option, for running Alembic's
own commands with a config from storage.migrate.alembic_config(url).
"""

from __future__ import annotations

from alembic import context

from storage.engine import make_engine
from storage.models import metadata

config = context.config


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs go through table copies
    )


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: no sqlalchemy.url to migrate; newsmon passes the database URL itself "
                           "(`newsmon db upgrade`, NEWSMON_DATABASE_URL)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
