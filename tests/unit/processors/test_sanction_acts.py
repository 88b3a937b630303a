"""Sanction rules added for long articles, on sentences written for these tests: threats made by
vowing or declaring readiness, a package's contents told after the package, the owner of a list
that a target is added to, sanctions named without a sanction noun."""

from __future__ import annotations

import pytest

from tests.support.nlp import events_of


def _sanctions(analysis):
    return [(e.subtype, e.actors, e.targets, e.certainty) for e in events_of(analysis, "sanction")]


@pytest.mark.parametrize("text,actors,targets", [
    ("Japan vowed to sanction North Korea over the missile launches.", ("JPN",), ("PRK",)),
    ("Australia pledged new sanctions against Myanmar's generals.", ("AUS",), ("MMR",)),
    ("Beijing was ready to put Canadian exporters on a blacklist, state media said.", ("CHN",), ("CAN",)),
])
def test_a_vow_or_declared_readiness_to_sanction_is_an_asserted_threat(analyze, text, actors, targets):
    assert ("threaten", actors, targets, "asserted") in _sanctions(analyze(text))


def test_a_promise_to_lift_sanctions_is_not_a_threat(analyze):
    found = _sanctions(analyze("Canada promised to lift its sanctions on Cuba."))
    assert [f[0] for f in found] == ["lift_or_ease"]


def test_the_contents_of_a_package_add_no_event(analyze):
    text = ("Beijing was ready to put Canadian exporters on a blacklist, state media said. "
            "The measures include imposing restrictions on Canadian banks.")
    assert [f[0] for f in _sanctions(analyze(text))] == ["threaten"]


def test_the_owner_of_a_list_is_its_actor_not_its_target(analyze):
    found = _sanctions(analyze("The shipping firm was added to the State Department's blacklist in June."))
    assert found and found[0][1] == ("USA",) and "USA" not in found[0][2]


@pytest.mark.parametrize("text,subtype,actors,targets", [
    ("Switzerland froze the assets of four Belarusian officials.", "impose", ("CHE",), ("BLR",)),
    ("Denmark suspended arms sales to Turkey on Monday.", "impose", ("DNK",), ("TUR",)),
    ("Italy resumed arms sales to Egypt after the review.", "lift_or_ease", ("ITA",), ("EGY",)),
    ("Washington granted a waiver to India to keep buying Iranian oil despite the sanctions.",
     "lift_or_ease", ("USA",), ("IND",)),
])
def test_measures_without_a_sanction_noun(analyze, text, subtype, actors, targets):
    assert (subtype, actors, targets, "asserted") in _sanctions(analyze(text))


@pytest.mark.parametrize("text", [
    "The airline froze hiring for the summer.",                        # no foreign target
    "The city granted a licence to a new taxi firm.",                  # no sanctions in sight
    "The sanctions hit six Syrian firms, freezing any funds they hold abroad.",  # part of the package
])
def test_no_extra_measure(analyze, text):
    triggers = [e.trigger.lower() for e in events_of(analyze(text), "sanction")]
    assert not [t for t in triggers if t in ("froze", "freezing", "licence")], triggers


@pytest.mark.parametrize(("text", "outer", "actors", "targets"), [
    ("The minister said Ottawa would waive the sanctions imposed by Canada on Peruvian copper.", "lift_or_ease",
     {"CAN"}, {"PER"}),
    ("Chile will ease the embargo it imposed on Bolivia in 2019.", "lift_or_ease", {"CHL"}, {"BOL"}),
])
def test_an_earlier_act_nested_in_a_mention_is_an_asserted_event_of_its_own(analyze, text, outer, actors, targets):
    by_subtype = {e.subtype: e for e in events_of(analyze(text), "sanction")}
    assert outer in by_subtype
    nested = by_subtype["impose"]
    assert nested.certainty == "asserted"
    assert set(nested.actors) == actors and set(nested.targets) == targets


def test_a_participle_that_only_describes_a_measure_adds_no_second_event(analyze):
    events = events_of(analyze("Canada imposed sanctions on Peru last week."), "sanction")
    assert [e.subtype for e in events] == ["impose"]
