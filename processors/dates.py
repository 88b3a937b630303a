"""Event dates from the evidence sentence, resolved against the article's publication date."""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEKDAYS = {d: i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MONTH_RE = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_MD = re.compile(r"\b" + _MONTH_RE + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?", re.I)
_DM = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r"\b(?:,?\s+(\d{4}))?", re.I)
_YEAR = re.compile(r"\b(?:in|since|of)\s+((?:19|20)\d\d)\b")
_REL = re.compile(r"\b(yesterday|today|tonight|tomorrow|earlier this month|this month|last month|"
                  r"last week|this week|next week|" + "|".join(_WEEKDAYS) + r")\b", re.I)


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_day(month: int, day: int, year: str | None, published: date | None) -> date | None:
    if year:
        return _safe(int(year), month, day)
    if published is None:
        return None
    d = _safe(published.year, month, day)
    # a month-day far after publication is last year's ("on Dec. 28" in a January article)
    if d and (d - published).days > 183:
        d = _safe(published.year - 1, month, day)
    return d


def resolve_date(text: str, published: date | None, future: bool = False) -> date | None:
    """The first date expression in `text` as a date; None when none resolves.

    Weekdays resolve to the nearest such day before publication (after it when `future`);
    period words ("earlier this month", "last week") resolve to the start of the period."""
    m = _MD.search(text)
    if m:
        return _month_day(_MONTHS[m.group(1)[:3].lower()], int(m.group(2)), m.group(3), published)
    m = _DM.search(text)
    if m:
        return _month_day(_MONTHS[m.group(2)[:3].lower()], int(m.group(1)), m.group(3), published)
    m = _YEAR.search(text)
    if m and (published is None or int(m.group(1)) != published.year):
        return date(int(m.group(1)), 1, 1)  # "in 2014": the start of the year named
    if published is None:
        return None
    m = _REL.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    if word in _WEEKDAYS:
        delta = (published.weekday() - _WEEKDAYS[word]) % 7
        if future:
            return published + timedelta(days=(_WEEKDAYS[word] - published.weekday()) % 7)
        return published - timedelta(days=delta)
    return {
        "yesterday": published - timedelta(days=1),
        "today": published, "tonight": published,
        "tomorrow": published + timedelta(days=1),
        "earlier this month": published.replace(day=1),
        "this month": published.replace(day=1),
        "last month": (published.replace(day=1) - timedelta(days=1)).replace(day=1),
        "last week": published - timedelta(days=published.weekday() + 7),
        "this week": published - timedelta(days=published.weekday()),
        "next week": published + timedelta(days=7 - published.weekday()),
    }[word]
