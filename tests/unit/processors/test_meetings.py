"""Fewer false meetings in long texts, on sentences written for these tests: meetings with troops or
crowds, kinds of meeting ("meetings such as ..."), and a bare definite "the talks" that refers back to
a meeting already told."""

from __future__ import annotations

import pytest

from tests.support.nlp import events_of


def _meetings(analysis):
    return [e for e in events_of(analysis, "diplomacy") if e.subtype == "meeting_or_talks"]


@pytest.mark.parametrize("text", [
    "The Kenyan president also met French troops stationed in Djibouti.",
    "The Polish minister met refugees from Ukraine at the border.",
    "She has attended international meetings such as the G20 and APEC.",
])
def test_not_diplomatic_meetings(analyze, text):
    assert _meetings(analyze(text)) == []


_LEAD = ("Border tensions rose again this week across the Himalayas. Indian Foreign Minister Subrahmanyam "
         "Jaishankar met Chinese Foreign Minister Wang Yi in Moscow on Thursday. ")


def test_a_bare_definite_refers_back_to_the_meeting_told_before(analyze):
    text = (_LEAD + "The talks in the capital coincided with a border dispute involving Nepal and Bhutan.")
    found = _meetings(analyze(text))
    assert len(found) == 1 and {"IND", "CHN"} <= set(found[0].actors)
    assert not {"NPL", "BTN"} & set(found[0].actors)  # the sentence around "the talks" names no party of it


def test_a_definite_meeting_that_names_its_parties_is_its_own_event(analyze):
    text = (_LEAD + "The meeting between Brazil and Argentina took place in Buenos Aires on Friday.")
    assert len(_meetings(analyze(text))) == 2
