"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC, always read back timezone-aware.

    PostgreSQL keeps the zone (timestamptz); SQLite has no zone, so the UTC wall time is stored and
    UTC is attached again on read. Naive input is taken as UTC, as the schemas do.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_list() -> sa.types.TypeEngine:
    """A JSON array column: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
