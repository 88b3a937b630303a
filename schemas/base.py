"""Shared model configuration and field types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _aware(value: datetime) -> datetime:
    """Naive datetimes are read as UTC, so every timestamp on the wire is timezone-aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    """Frozen, strict-about-unknown-keys base for every record."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)
