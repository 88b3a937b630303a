"""Publication dates as people have them: ISO 8601, RFC 2822 (RSS, e-mail), epoch seconds or milliseconds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from streams.inputs.items import ArticleInputError

_EPOCH = re.compile(r"^-?\d+(?:\.\d+)?$")
# Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is March 1973.
_MS_FROM = 100_000_000_000
HOW = ("use ISO 8601 (2026-11-02T10:00:00Z), RFC 2822 (Mon, 02 Nov 2026 10:00:00 GMT) or epoch seconds or "
       "milliseconds")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _epoch(number: float) -> datetime:
    seconds = number / 1000 if abs(number) >= _MS_FROM else number
    return datetime.fromtimestamp(seconds, UTC)


def parse_date(value: object, field: str = "published") -> datetime | None:
    """A timezone-aware datetime (naive ones are UTC), None for no value; ArticleInputError if unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _epoch(value)
        if isinstance(value, str):
            text = value.strip()
            if _EPOCH.match(text):
                return _epoch(float(text))
            try:
                return _aware(datetime.fromisoformat(text))
            except ValueError:
                return _aware(parsedate_to_datetime(text))
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        pass
    raise ArticleInputError(f"'{field}' is not a date newsmon can read ({value!r}): {HOW}")
