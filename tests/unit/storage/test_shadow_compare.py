"""The comparison behind `newsmon diff` (storage/shadow.py compare): events on the same sentence pair up, so a
rule change reads as changed rather than as one removal plus one addition; only articles both versions coded are
compared."""

from __future__ import annotations

from datetime import date

from storage.shadow import compare
from tests.support.incidents import report


def events(article_id, subtype, actors=("JPN",), targets=("MMR",), type_="sanction", certainty="asserted"):
    return list(report(article_id, "x", subtype, list(actors), list(targets), date(2026, 5, 6), type_,
                       certainty).analysis.events)


def test_same_events_are_unchanged_and_a_new_subtype_is_a_change():
    old = {"a": events("a", "threaten"), "b": events("b", "impose")}
    new = {"a": events("a", "threaten"), "b": events("b", "extend")}
    diff = compare("v1", old, "v2", new)
    assert (diff.compared, diff.unchanged) == (2, 1)
    assert [(c.kind, c.article_id, c.fields()) for c in diff.changes] == [("changed", "b", ["subtype"])]
    assert diff.counts() == {("sanction", "extend"): {"added": 0, "removed": 0, "changed": 1}}


def test_events_only_in_one_version_are_added_or_removed():
    old = {"a": events("a", "impose"), "b": []}
    new = {"a": [], "b": events("b", "meeting_or_talks", ("BRA", "IDN"), (), "diplomacy")}
    diff = compare("v1", old, "v2", new)
    assert sorted((c.kind, c.article_id) for c in diff.changes) == [("added", "b"), ("removed", "a")]


def test_articles_coded_by_one_version_only_are_not_compared():
    diff = compare("v1", {"a": events("a", "impose")}, "v2", {"b": events("b", "impose")})
    assert (diff.compared, diff.only_old, diff.only_new, diff.changes) == (0, 1, 1, [])
