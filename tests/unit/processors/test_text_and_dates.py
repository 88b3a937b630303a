"""Same-length cleaning, the English check, and date resolution against the publication date."""

from __future__ import annotations

from datetime import date

import pytest

from processors.dates import resolve_date
from processors.language import detect_language
from processors.textclean import clean_for_parse


@pytest.mark.parametrize("raw", [
    "Sudan #39;s rebels &lt;b&gt;met&lt;/b&gt; envoys quot;today quot;.",
    "<p>EU leaders</p> met\\in Brussels &amp; agreed\x00\x07 a plan.",
    "",
])
def test_cleaning_keeps_every_offset(raw):
    out = clean_for_parse(raw)
    assert len(out) == len(raw)


def test_cleaning_removes_feed_artefacts():
    out = clean_for_parse("Sudan #39;s leader &lt;b&gt;spoke&lt;/b&gt;")
    assert "'s" in out and "&lt;" not in out and "#39;" not in out


def test_english_and_not_english():
    assert detect_language("The ministers met in Paris on Monday to discuss the new trade agreement.") == "en"
    assert detect_language("Die Minister trafen sich am Montag in Paris, um das neue Handelsabkommen "
                           "zu besprechen und weitere Schritte zu planen.") == "und"
    assert detect_language("Министры встретились в понедельник в Париже для обсуждения соглашения.") == "und"
    assert detect_language("12345 !!! ???") == "und"
    # wire headlines have few function words but are English
    assert detect_language("Bush eases sanctions against Libya WASHINGTON (Reuters) - President Bush lifted "
                           "most remaining U.S. economic sanctions against Libya.") == "en"


PUB = date(2024, 3, 6)  # a Wednesday


@pytest.mark.parametrize("text,future,expected", [
    ("The ministers met on December 28.", False, date(2023, 12, 28)),  # far after publication: last year
    ("The ministers met on March 2.", False, date(2024, 3, 2)),
    ("They met on 17 February 2021.", False, date(2021, 2, 17)),
    ("The envoy arrived on Monday.", False, date(2024, 3, 4)),
    ("The envoy will arrive on Friday.", True, date(2024, 3, 8)),
    ("Sanctions were imposed yesterday.", False, date(2024, 3, 5)),
    ("Sanctions were imposed earlier this month.", False, date(2024, 3, 1)),
    ("The embargo was lifted in 2014.", False, date(2014, 1, 1)),
    ("Talks continue.", False, None),
])
def test_dates_resolve_against_publication(text, future, expected):
    assert resolve_date(text, PUB, future=future) == expected


def test_relative_dates_need_a_publication_date():
    assert resolve_date("They met yesterday.", None) is None
    assert resolve_date("They met on 3 May 2020.", None) == date(2020, 5, 3)
