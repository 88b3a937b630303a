"""Agreements reached, struck, ratified or acceded to, and mediated cease-fires (mediator last), on
sentences written for these tests."""

from __future__ import annotations

import pytest

from tests.support.nlp import events_of


def _agreements(analysis):
    return [(e.actors, e.certainty) for e in events_of(analysis, "diplomacy") if e.subtype == "agreement_signed"]


@pytest.mark.parametrize("text,parties", [
    ("A security deal with Norway was struck in 2021.", {"NOR"}),
    ("Kazakhstan became a WTO member in 2015.", {"KAZ", "WTO"}),
    ("North Macedonia became a member of NATO in 2020.", {"MKD", "NATO"}),
    ("Bolivia and Chile reached a deal on water rights on Tuesday.", {"BOL", "CHL"}),
])
def test_agreements_reached_and_accessions(analyze, text, parties):
    found = _agreements(analyze(text))
    assert any(set(a) == parties and c == "asserted" for a, c in found), found


def test_a_mediated_truce_lists_the_mediator_last(analyze):
    found = _agreements(analyze("Oman mediated a truce between Yemen and Saudi Arabia last month."))
    assert found and found[0][0][-1] == "OMN" and set(found[0][0]) == {"YEM", "SAU", "OMN"}


def test_becoming_a_member_of_a_domestic_body_is_no_accession(analyze):
    assert _agreements(analyze("The senator became a member of the finance committee.")) == []


def test_a_verb_governing_a_deal_is_no_domestic_cue(analyze):
    """'strike' is a labour cue as a noun only; a struck deal between states is an agreement."""
    assert _agreements(analyze("A transit deal between Peru and Brazil was struck on Friday."))
    assert _agreements(analyze("The union called a strike after the wage deal collapsed.")) == []
