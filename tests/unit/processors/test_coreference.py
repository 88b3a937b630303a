"""Phrases that refer back to parties named before: "the two countries", "both sides", "the bloc"."""

from __future__ import annotations

from tests.support.nlp import events_of


def _diplomacy(analysis):
    return [(e.subtype, set(e.actors) | set(e.targets)) for e in events_of(analysis, "diplomacy")]


def test_the_two_countries_are_the_last_two_states_named(analyze):
    found = _diplomacy(analyze("Argentina and Chile signed a trade accord on Monday. "
                               "The two countries also agreed to hold talks on fishing rights."))
    assert ("meeting_or_talks", {"ARG", "CHL"}) in found


def test_both_sides_skip_the_place_where_they_met(analyze):
    found = _diplomacy(analyze("Israeli and Qatari negotiators met in Cairo. Both sides agreed to a truce."))
    assert ("agreement_signed", {"ISR", "QAT"}) in found


def test_the_bloc_is_the_body_named_last(analyze):
    (event,) = events_of(analyze("Ministers of the European Union met in Brussels on Monday. "
                                 "The bloc then agreed to extend its sanctions on Russia."), "sanction")
    assert event.actors == ("EU",) and event.targets == ("RUS",)


def test_a_pair_noun_with_no_two_parties_before_it_gets_no_code(analyze):
    assert _diplomacy(analyze("The two countries held talks on Monday.")) == []
