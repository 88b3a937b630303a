"""Incidents from events (processors/incidents.py): the same reports in any order give the same incidents, ids
come from content, outlets are counted once, and a threaten followed by an impose between the same parties is
linked."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from processors import incidents as clustering
from schemas import EnrichedArticle, Evidence
from tests.support.incidents import DISTINCT, report
from tests.support.incidents import corpus as corpus_of


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


def worded(article_id, outlet, day, evidence, title="", subtype="impose", actors=("GBR",), targets=("IRN",),
           type_="sanction"):
    """A report whose evidence sentence (and title) say something beyond the key. No entity is recognised here,
    so the texts leave the parties' names out (the pipeline leaves out the names its entities give them)."""
    record = report(article_id, outlet, subtype, list(actors), list(targets), day, type_=type_)
    event = record.analysis.events[0].model_copy(update={"evidence": Evidence(text=evidence, start=0,
                                                                                  end=len(evidence))})
    article = record.article.model_copy(update={"title": title})
    return record.model_copy(update={"article": article,
                                     "analysis": record.analysis.model_copy(update={"events": (event,)})})


def test_terms_leave_out_the_key_the_act_and_time_words():
    [member] = clustering.members_of(worded("a1", "p", date(2026, 6, 1),
                                            "GBR imposed sanctions on IRN on Monday, targeting three drone makers.",
                                            title="New sanctions on drone companies"))
    assert member.terms == ("company", "drone", "gbr", "irn", "maker")  # codes stay: no entity names them here
    assert member.dated


def test_two_acts_of_one_key_in_one_week_stay_apart_when_their_evidence_differs():
    drones = [worded("d1", "p", date(2026, 6, 1), "Sanctions were imposed over attack drones."),
              worded("d2", "q", date(2026, 6, 1), "The assets of drone manufacturers were frozen.")]
    tankers = [worded("t1", "r", date(2026, 6, 4), "Sanctions were imposed, listing oil tankers."),
               worded("t2", "s", date(2026, 6, 4), "A fleet of tankers and their operator were named.")]
    incidents = build(drones + tankers)
    assert sorted(i.article_ids for i in incidents) == [("d1", "d2"), ("t1", "t2")]
    # on the same day, one act whatever the wording; without the evidence test, one incident for the week
    assert len(clustering.build([m for r in drones + tankers for m in clustering.members_of(r)],
                                min_similarity=0.0)) == 1


def test_rewordings_of_one_act_dated_on_different_days_merge_on_their_shared_terms():
    first = worded("k1", "p", date(2026, 6, 8), "Talks were held on water from the Omo dam.",
                   subtype="meeting_or_talks", actors=("KEN", "ETH"), targets=(), type_="diplomacy")
    second = worded("k2", "q", date(2026, 6, 9), "A second day of talks on sharing the Omo river's water.",
                    subtype="meeting_or_talks", actors=("KEN", "ETH"), targets=(), type_="diplomacy")
    other = worded("k3", "r", date(2026, 6, 12), "Their defence ministers discussed cattle raids on the border.",
                   subtype="meeting_or_talks", actors=("KEN", "ETH"), targets=(), type_="diplomacy")
    assert sorted(i.article_ids for i in build([other, second, first])) == [("k1", "k2"), ("k3",)]


def test_an_undated_report_joins_the_nearest_incident_of_its_key_and_bridges_none():
    drones = worded("d1", "p", date(2026, 6, 1), "Sanctions were imposed over attack drones.")
    tankers = worded("t1", "r", date(2026, 6, 4), "Sanctions were imposed, listing oil tankers.")
    undated = report("u1", "s", "impose", ["GBR"], ["IRN"], None, published=datetime(2026, 6, 5, 9, tzinfo=UTC))
    later = report("u2", "s", "impose", ["GBR"], ["IRN"], None, published=datetime(2026, 6, 30, 9, tzinfo=UTC))
    for order in ([drones, tankers, undated, later], [later, undated, tankers, drones]):
        assert sorted(i.article_ids for i in build(order)) == [("d1",), ("t1", "u1"), ("u2",)]


def test_the_distinct_acts_corpus_through_the_nlp_gives_its_four_acts_in_any_order(nlp, rules):
    from processors import process_batch

    labelled = corpus_of(DISTINCT)
    act_of = {a.id: act for act, a in labelled}
    analyses = process_batch([a for _, a in labelled], nlp, rules)
    records = [EnrichedArticle(article=a, analysis=an) for (_, a), an in zip(labelled, analyses, strict=True)]
    expected = build(records)
    assert sorted(sorted({act_of[a] for a in i.article_ids}) for i in expected) == [
        [act] for act in sorted(set(act_of.values()))]  # each incident one act, each act one incident
    for seed in range(3):
        random.Random(seed).shuffle(records)
        assert build(records) == expected
