"""Event rules on sentences written for these tests (real model: the parse is the point).

These check the rule families and their contracts, not accuracy; accuracy is measured by the eval
command on the gold files."""

from __future__ import annotations

import pytest

from tests.support.nlp import events_of


def _one(analysis, type_):
    evs = events_of(analysis, type_)
    assert len(evs) == 1, [(e.subtype, e.actors, e.targets, e.certainty) for e in analysis.events]
    return evs[0]


def test_imposed_sanctions_have_direction_codes_and_evidence(analyze):
    text = "The European Union imposed sanctions on Iran on Monday over its missile program."
    e = _one(analyze(text), "sanction")
    assert (e.subtype, e.actors, e.targets, e.certainty) == ("impose", ("EU",), ("IRN",), "asserted")
    assert (e.cameo, e.goldstein, e.plover) == ("163", -8.0, "SANCTION")
    assert text[e.evidence.start:e.evidence.end] == e.evidence.text
    assert "sanctions" in e.trigger and e.event_date.isoformat() == "2024-03-04"
    assert e.rules_version and e.id.startswith("ev-")


@pytest.mark.parametrize("text,subtype", [
    ("Canada lifted its sanctions on Cuba on Tuesday.", "lift_or_ease"),
    ("Japan extended its sanctions against North Korea for another two years.", "extend"),
    ("The United States threatened Venezuela with new sanctions on Friday.", "threaten"),
])
def test_sanction_subtypes(analyze, text, subtype):
    assert _one(analyze(text), "sanction").subtype == subtype


@pytest.mark.parametrize("text,certainty", [
    ("Britain could impose sanctions on Syria.", "hypothetical"),
    ("France is considering sanctions against Mali.", "hypothetical"),
    ("Germany refused to impose sanctions on Turkey.", "negated"),
    ("The government said it would not lift the embargo on Cuba.", "negated"),
])
def test_certainty_of_sanctions(analyze, text, certainty):
    assert _one(analyze(text), "sanction").certainty == certainty


@pytest.mark.parametrize("text", [
    "FIFA sanctioned the club for crowd trouble and fined its players.",
    "The state-sanctioned festival opened in Lagos.",
    "The company imposed anti-dumping duties on steel imports.",
])
def test_not_sanctions(analyze, text):
    assert events_of(analyze(text), "sanction") == []


def test_visit_goes_from_visitor_to_host(analyze):
    e = _one(analyze("Indian Prime Minister Narendra Modi arrived in Japan on Saturday for a three-day visit."),
             "diplomacy")
    assert (e.subtype, e.actors, e.targets) == ("visit", ("IND",), ("JPN",))
    assert (e.cameo, e.plover) == ("042", "CONSULT")


def test_a_visit_after_a_dateline_keeps_its_own_subject_and_merges_with_its_headline(analyze):
    a = analyze("NEW DELHI, July 7 (Newsmon Wire) - Japan's prime minister arrived in New Delhi on Tuesday "
                "for a three-day visit to India, where he is expected to sign a defence agreement.",
                title="Japan's prime minister visits India to deepen defence ties")
    visits = [(e.actors, e.targets) for e in a.events if e.subtype == "visit"]
    assert visits == [(("JPN",), ("IND",))]


def test_meeting_lists_all_parties_symmetrically(analyze):
    e = _one(analyze("The foreign ministers of Egypt and Jordan met in Cairo on Sunday."), "diplomacy")
    assert e.subtype == "meeting_or_talks" and set(e.actors) >= {"EGY", "JOR"} and e.targets == ()


@pytest.mark.parametrize("text,subtype", [
    ("Kenya and Uganda signed a border agreement on Thursday.", "agreement_signed"),
    ("Ghana expelled the Nigerian ambassador after the dispute.", "envoy_expelled_or_recalled"),
    ("Leaders from Chile and Peru held a summit in Lima.", "summit"),
])
def test_diplomacy_subtypes(analyze, text, subtype):
    assert subtype in {e.subtype for e in events_of(analyze(text), "diplomacy")}


def test_refused_meeting_is_negated(analyze):
    e = _one(analyze("Pakistan refused to meet Indian officials in Delhi."), "diplomacy")
    assert e.certainty == "negated" and not e.alertable


@pytest.mark.parametrize("text", [
    "Union leaders and management held wage talks at the factory.",
    "The two companies are in merger talks.",
])
def test_domestic_and_corporate_talks_are_not_diplomacy(analyze, text):
    assert events_of(analyze(text), "diplomacy") == []


def test_repeated_mentions_merge_and_keep_the_first_trigger(analyze):
    a = analyze("Australia imposed new sanctions on Myanmar's generals on Monday, the foreign ministry said. "
                "The sanctions on Myanmar freeze assets of five generals.",
                title="Australia slaps sanctions on Myanmar")
    e = _one(a, "sanction")
    assert e.trigger.lower().startswith("sanctions") and e.evidence.start == 0  # from the title


def test_ids_are_stable_across_runs(analyze):
    text = "China and Russia signed an energy agreement on Friday. Putin visited Beijing."
    first, second = analyze(text), analyze(text)
    assert [e.id for e in first.events] == [e.id for e in second.events] and first.events
    assert [e.id for e in first.entities] == [e.id for e in second.entities]
    other = analyze(text, id_="t-2")
    assert not {e.id for e in first.events} & {e.id for e in other.events}


def test_a_warning_of_sanctions_is_an_asserted_threat(analyze):
    e = _one(analyze("Washington warned Caracas it could face new sanctions if the vote is rigged."), "sanction")
    assert (e.subtype, e.actors, e.targets, e.certainty) == ("threaten", ("USA",), ("VEN",), "asserted")
    assert e.cameo == "1312"


def test_recalled_ambassador_names_the_host_state(analyze):
    e = _one(analyze("Turkey recalled its ambassador to the Netherlands after the row."), "diplomacy")
    assert (e.subtype, e.actors, e.targets) == ("envoy_expelled_or_recalled", ("TUR",), ("NLD",))


def test_urged_party_is_the_one_that_would_act(analyze):
    e = _one(analyze("China on Wednesday urged the European Union to lift its arms embargo."), "sanction")
    assert (e.subtype, e.actors, e.certainty) == ("lift_or_ease", ("EU",), "hypothetical")


def test_official_country_comes_only_from_the_title_phrase(analyze):
    a = analyze("Bush signs Syria sanctions order President Bush signed an order imposing sanctions on Syria.")
    e = _one(a, "sanction")
    assert (e.actors, e.targets) == (("USA",), ("SYR",))


def test_a_leader_touring_places_at_home_is_no_visit(analyze):
    a = analyze("The Canadian prime minister visited wildfire-hit towns in British Columbia on Sunday.")
    assert [e for e in a.events if e.subtype == "visit"] == []
