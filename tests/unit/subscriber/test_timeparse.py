"""Times as `newsmon replay --since/--until` reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.cli.timeparse import TimeFormatError, format_utc, parse_time, to_ms

NOW = datetime(2026, 11, 28, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-28T10:00Z", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
    ("2026-11-28T10:00:30+02:00", datetime(2026, 11, 28, 8, 0, 30, tzinfo=UTC)),
    ("2026-11-28 10:00", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),  # naive: UTC
    ("2026-11-27", datetime(2026, 11, 27, tzinfo=UTC)),
    ("now", NOW),
    (" NOW ", NOW),
    ("2h", NOW - timedelta(hours=2)),
    ("90m", NOW - timedelta(minutes=90)),
    ("3d", NOW - timedelta(days=3)),
    ("1w", NOW - timedelta(weeks=1)),
    ("45s", NOW - timedelta(seconds=45)),
    ("1.5h ago", NOW - timedelta(minutes=90)),
])
def test_accepted_forms(text, expected):
    value = parse_time(text, now=NOW)
    assert value == expected
    assert value.tzinfo is not None


@pytest.mark.parametrize("text", ["yesterday", "2h later", "28/11/2026", "", "-2h", "2026-13-01"])
def test_other_text_is_refused_with_the_accepted_forms(text):
    with pytest.raises(TimeFormatError, match="ISO 8601.*2h"):
        parse_time(text, now=NOW)


def test_ms_and_display():
    value = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert to_ms(value) == 1_795_860_000_000
    assert format_utc(value.astimezone(tz=None)) == "2026-11-28 10:00:00Z"
