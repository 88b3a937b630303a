"""Points in time as users type them on the command line: ISO 8601, a date, `now`, or `2h` / `3d` ago."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*(?:ago)?\s*$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}

FORMS = ("ISO 8601 (2026-11-28T10:00Z), a date (2026-11-28, midnight UTC), `now`, "
         "or an age such as 30m, 2h, 3d, 1w")


class TimeFormatError(ValueError):
    """The text is none of the accepted forms."""


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """A timezone-aware datetime; naive ISO times and dates are read as UTC, ages count back from `now`."""
    now = now or datetime.now(UTC)
    raw = text.strip()
    if raw.lower() == "now":
        return now
    match = _RELATIVE.match(raw)
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        # fromisoformat (3.11+) reads "Z", offsets and the basic forms; a space may stand for the "T".
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise TimeFormatError(f"cannot read {text!r} as a time: use {FORMS}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_ms(value: datetime) -> int:
    """Epoch milliseconds, the unit of Kafka record timestamps."""
    return int(value.timestamp() * 1000)


def format_utc(value: datetime) -> str:
    """`2026-11-28 10:00:00Z`: compact, unambiguous output."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
