"""`other` diplomatic acts recognised by a verb (or noun) and its diplomatic object, on sentences
written for these tests: leaving a treaty or body, summoning an envoy, cutting or restoring ties,
reopening an embassy, a leader's letter, a complaint, a demand for an envoy's removal, expulsion
from an international body."""

from __future__ import annotations

import pytest

from tests.support.nlp import events_of


def _others(analysis):
    return [(e.actors, e.targets, e.certainty) for e in events_of(analysis, "diplomacy") if e.subtype == "other"]


@pytest.mark.parametrize("text,actors,targets", [
    ("Chile withdrew from the fisheries treaty with Peru on Monday.", ("CHL",), ("PER",)),
    ("Norway summoned the Iranian ambassador on Tuesday.", ("NOR",), ("IRN",)),
    ("Mali cut diplomatic ties with Sweden last week.", ("MLI",), ("SWE",)),
    ("Bolivia reopened its embassy in Lima after a decade.", ("BOL",), ("PER",)),
    ("The Cuban envoy delivered a letter from Raul Castro to the President of Angola.", ("CUB",), ("AGO",)),
    ("Belize lodged a formal complaint against Honduras on Friday.", ("BLZ",), ("HND",)),
    ("Laos demanded the recall of the Thai ambassador.", ("LAO",), ("THA",)),
    ("Honduras was expelled from the OAS in 2009.", ("OAS",), ("HND",)),
])
def test_directed_other_acts(analyze, text, actors, targets):
    found = _others(analyze(text))
    assert (actors, targets, "asserted") in found, found


def test_parties_restoring_ties_together_are_all_actors(analyze):
    found = _others(analyze("Qatar and Bahrain restored diplomatic relations on Wednesday."))
    assert found == [(("QAT", "BHR"), (), "asserted")]


def test_a_noun_breakdown_in_relations_names_both_parties(analyze):
    found = _others(analyze("The breakdown in relations between Kenya and Somalia hurt cross-border trade."))
    assert len(found) == 1 and set(found[0][0]) == {"KEN", "SOM"}


@pytest.mark.parametrize("text", [
    "The retailer cut ties with its Chinese supplier.",          # a firm is no diplomatic actor
    "Uruguay's minister delivered a message of hope to voters.",  # a message to no other party
    "Peru demanded the removal of the interior minister.",        # a domestic official, not an envoy
    "Ecuador cut fuel subsidies on Monday.",                      # "cut" without a diplomatic object
])
def test_not_other_acts(analyze, text):
    assert _others(analyze(text)) == []


def test_a_threat_to_cut_ties_is_not_asserted(analyze):
    found = _others(analyze("Somalia threatened to cut diplomatic ties with Kenya."))
    assert found and all(c != "asserted" for _, _, c in found)


@pytest.mark.parametrize("text,actors,targets", [
    ("Norway stepped up efforts to revive peace talks between Colombia and the ELN.", ("NOR",), ("COL",)),
    ("Kenya launched a new push for a cease-fire between Ethiopia and Eritrea.", ("KEN",), ("ETH", "ERI")),
])
def test_a_diplomatic_drive_is_other(analyze, text, actors, targets):
    assert (actors, targets, "asserted") in _others(analyze(text))


@pytest.mark.parametrize("text", [
    "Brazil made efforts to cut its budget deficit.",    # an effort with no diplomatic goal
    "Spain renewed its bid to host the World Cup.",
])
def test_efforts_without_a_diplomatic_goal(analyze, text):
    assert _others(analyze(text)) == []


def test_expelling_diplomats_from_a_mission_stays_an_envoy_expulsion(analyze):
    a = analyze("Peru expelled two diplomats from the European Union over spying allegations.")
    subtypes = [(e.subtype, e.actors) for e in events_of(a, "diplomacy")]
    assert subtypes == [("envoy_expelled_or_recalled", ("PER",))]
