"""Incidents from events (processors/incidents.py): the same reports in any order give the same incidents, ids
come from content, outlets are counted once, and a threaten followed by an impose between the same parties is
linked."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from processors import incidents as clustering
from schemas import EnrichedArticle
from tests.support.incidents import report


def corpus() -> list[EnrichedArticle]:
    hours = iter(range(1, 100))
    def at() -> datetime:
        return datetime(2026, 5, 5, tzinfo=UTC).replace(hour=next(hours) % 24, minute=next(hours))
    return [
        report("a1", "Harbour Ledger", "impose", ["CAN"], ["BLR"], date(2026, 5, 5), published=at()),
        report("a2", "harbour  ledger", "impose", ["CAN"], ["BLR"], date(2026, 5, 5), published=at()),
        report("a3", "Northgate Post", "impose", ["CAN"], ["BLR"], date(2026, 5, 6), published=at()),
        report("t1", "Meridian Wire", "threaten", ["JPN"], ["MMR"], date(2026, 5, 6), published=at()),
        report("t2", None, "threaten", ["JPN"], ["MMR"], date(2026, 5, 6), published=at(),
               url="https://www.lantern.example/x"),
        report("i1", "Meridian Wire", "impose", ["JPN"], ["MMR"], date(2026, 5, 19), published=at()),
        report("d1", "Valley Courier", "meeting_or_talks", ["BRA"], ["IDN"], date(2026, 5, 7), "diplomacy",
               published=at()),
        report("d2", "Lantern Daily", "meeting_or_talks", ["IDN", "BRA"], [], date(2026, 5, 7), "diplomacy",
               published=at()),
        report("h1", "Lantern Daily", "impose", ["CAN"], ["BLR"], date(2026, 5, 5), certainty="hypothetical",
               published=at()),
    ]


def build(records, window_days=7) -> list:
    return clustering.build([m for r in records for m in clustering.members_of(r)], window_days)


def test_the_same_reports_in_any_order_give_the_same_incidents():
    records = corpus()
    expected = build(records)
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        assert build(shuffled) == expected


def test_reports_of_one_act_join_one_incident_and_outlets_count_once():
    by_act = {(i.subtype, i.actors, i.targets): i for i in build(corpus())}
    assert len(by_act) == 4
    sanction = by_act[("impose", ("CAN",), ("BLR",))]
    assert (sanction.articles, sanction.sources) == (3, 2)  # "Harbour Ledger" twice, spelt two ways
    assert sanction.article_ids == ("a1", "a2", "a3")  # the hypothetical report is no member
    assert (sanction.first_date, sanction.last_date) == (date(2026, 5, 5), date(2026, 5, 6))
    threat = by_act[("threaten", ("JPN",), ("MMR",))]
    assert threat.outlets == ("lantern.example", "meridian wire")  # no source: the URL's host
    talks = by_act[("meeting_or_talks", ("BRA", "IDN"), ())]  # talks have no direction
    assert talks.sources == 2


def test_an_impose_after_a_threaten_between_the_same_parties_escalates_it():
    by_subtype = {(i.actors, i.subtype): i for i in build(corpus())}
    threat, impose = by_subtype[(("JPN",), "threaten")], by_subtype[(("JPN",), "impose")]
    assert impose.escalates_from == threat.id
    assert threat.escalates_from is None
    assert by_subtype[(("CAN",), "impose")].escalates_from is None  # no threat between Canada and Belarus


def test_an_impose_long_after_the_threat_is_no_escalation():
    records = [report("t1", "x", "threaten", ["JPN"], ["MMR"], date(2026, 1, 6)),
               report("i1", "y", "impose", ["JPN"], ["MMR"], date(2026, 5, 19))]
    assert all(i.escalates_from is None for i in build(records))
    assert any(i.escalates_from for i in clustering.build(
        [m for r in records for m in clustering.members_of(r)], escalation_days=200))


def ids(*reports, window_days=7) -> list[str]:
    """The incident id of each report's member, clustered together."""
    assigned = {m.article_id: m.incident_id
                for m in clustering.assign([m for r in reports for m in clustering.members_of(r)], window_days)}
    return [assigned[r.article.id] for r in reports]


def test_the_incident_id_depends_on_the_act_not_on_the_report():
    one = report("a1", "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 5))
    other = report("zz", "q", "impose", ["CAN"], ["BLR"], date(2026, 5, 10))
    assert ids(one, other)[0] == ids(one, other)[1] == ids(one)[0]  # the earliest date names it
    target = report("b1", "p", "impose", ["CAN"], ["RUS"], date(2026, 5, 5))
    assert ids(one, target)[0] != ids(one, target)[1]


def test_reports_a_day_apart_join_one_incident_whatever_the_calendar_says():
    # Sunday 10 and Monday 11 May: fixed weekly buckets split them, date proximity does not
    sunday = report("a1", "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 10))
    monday = report("a2", "q", "impose", ["CAN"], ["BLR"], date(2026, 5, 11))
    [incident] = build([sunday, monday])
    assert (incident.sources, incident.first_date, incident.window_start) == (2, date(2026, 5, 10), date(2026, 5, 10))


def test_reports_a_window_or_more_apart_are_two_incidents_and_a_report_between_bridges_them():
    first = report("a1", "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 1))
    second = report("a2", "q", "impose", ["CAN"], ["BLR"], date(2026, 5, 8))  # 7 days: not linked
    assert len(build([first, second])) == 2
    bridge = report("a3", "r", "impose", ["CAN"], ["BLR"], date(2026, 5, 4))  # 3 and 4 days from them
    [merged] = build([second, bridge, first])
    assert merged.article_ids == ("a1", "a2", "a3") and merged.first_date == date(2026, 5, 1)
    assert len(build([first, second], window_days=8)) == 1


def test_an_earlier_report_re_identifies_the_incident_and_any_order_gives_the_same_ids():
    reports = [report(f"a{i}", f"o{i}", "impose", ["CAN"], ["BLR"], date(2026, 5, d))
               for i, d in enumerate((6, 9, 3, 20, 16, 28, 2))]
    before = ids(*reports[:2])
    assert len(set(before)) == 1
    after = ids(*reports)
    assert after[0] != before[0]  # 3 May and then 2 May joined it: its earliest date moved
    expected = dict(zip([r.article.id for r in reports], after, strict=True))
    for seed in range(6):
        shuffled = reports[:]
        random.Random(seed).shuffle(shuffled)
        assert dict(zip([r.article.id for r in shuffled], ids(*shuffled), strict=True)) == expected
    # 2, 3, 6, 9 | 16, 20 | 28: single linkage, a gap under 7 days links, 7 and 8 do not
    assert len(set(after)) == 3


def test_an_undated_event_takes_the_articles_publication_date():
    member = clustering.members_of(report("a1", "p", "impose", ["CAN"], ["BLR"], None,
                                          published=datetime(2026, 5, 6, 23, tzinfo=UTC)))[0]
    assert member.event_date == date(2026, 5, 6)
