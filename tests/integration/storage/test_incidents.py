"""Incidents stored on SQLite and PostgreSQL (storage/incidents.py over processors/incidents.py): built
incrementally, one article batch at a time, they end up the same whatever the order of the batches; a re-stored
article replaces its memberships; and the update says which incidents are new, corroborated or escalated."""

from __future__ import annotations

import random
from datetime import date

from processors import incidents as clustering
from storage import IncidentChange, IncidentStore
from tests.support.incidents import report


def reports():
    return [
        report("a1", "Harbour Ledger", "impose", ["CAN"], ["BLR"], date(2026, 5, 5)),
        report("a2", "Northgate Post", "impose", ["CAN"], ["BLR"], date(2026, 5, 5)),
        report("a3", "Meridian Wire", "impose", ["CAN"], ["BLR"], date(2026, 5, 6)),
        report("t1", "Meridian Wire", "threaten", ["JPN"], ["MMR"], date(2026, 5, 6)),
        report("i1", "Valley Courier", "impose", ["JPN"], ["MMR"], date(2026, 5, 19)),
    ]


def update(store: IncidentStore, records, threshold: int = 3, announce: bool = True):
    """Store the records' incidents; what is due is then announced (recorded as the worker does once the broker
    acknowledged it) unless `announce` is False (the announcement was lost)."""
    members = [m for r in records for m in clustering.members_of(r)]
    changes = store.update([r.article.id for r in records], members, clustering.cluster, threshold)
    if announce:
        store.mark_announced(changes)
    return changes


def test_incidents_built_batch_by_batch_in_any_order_are_the_same(engine, repo):
    store = IncidentStore(engine)
    results = []
    for seed in (1, 2):
        records = reports()
        random.Random(seed).shuffle(records)
        for record in records:
            update(store, [record])
        results.append(sorted(store.list(), key=lambda i: i.id))
        update(store, [])  # nothing
        for record in records:  # empty the tables for the next order: the articles lose their events
            store.update([record.article.id], [], clustering.cluster, 3)
        assert store.count() == 0
    assert results[0] == results[1]
    assert results[0] == clustering.build([m for r in reports() for m in clustering.members_of(r)])
    assert len(results[0]) == 3


def test_an_update_reports_new_corroborated_and_escalated_incidents(engine, repo):
    store = IncidentStore(engine)
    first, second, third, threat, impose = reports()
    assert [c.reason for c in update(store, [first])] == ["new"]
    assert update(store, [second]) == []
    changes = update(store, [third])
    assert [(c.reason, c.incident.sources) for c in changes] == [("corroborated", 3)]
    assert update(store, [third]) == []  # the same article again: nothing new
    assert [c.reason for c in update(store, [impose])] == ["new"]
    changes = update(store, [threat])  # the threat arrives after the impose it led to
    reasons = sorted((c.reason, c.incident.subtype) for c in changes)
    assert reasons == [("escalated", "impose"), ("new", "threaten")]
    stored_impose = [i for i in store.list() if i.subtype == "impose" and i.actors == ("JPN",)][0]
    assert stored_impose.escalates_from == [i for i in store.list() if i.subtype == "threaten"][0].id


def test_a_restored_article_whose_event_changed_leaves_its_old_incident(engine, repo):
    store = IncidentStore(engine)
    update(store, [report("a1", "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 5))])
    update(store, [report("a1", "p", "impose", ["CAN"], ["RUS"], date(2026, 5, 5))])
    assert [i.targets for i in store.list()] == [("RUS",)]
    assert store.outlets([store.list()[0].id]) == {store.list()[0].id: {"p"}}


def test_a_bridging_and_an_earlier_report_merge_and_re_identify_incidents_leaving_no_orphan(engine, repo):
    store = IncidentStore(engine)
    update(store, [report("a1", "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 1))])
    update(store, [report("a2", "q", "impose", ["CAN"], ["BLR"], date(2026, 5, 8))])
    assert store.count() == 2  # a week apart: two acts, as far as anyone can tell
    changes = update(store, [report("a3", "r", "impose", ["CAN"], ["BLR"], date(2026, 5, 4))])
    [merged] = store.list()  # the report in between joins them: one incident, the other row is gone
    assert merged.article_ids == ("a1", "a2", "a3") and merged.first_date == date(2026, 5, 1)
    assert [(c.reason, c.incident.id) for c in changes] == [("corroborated", merged.id)]  # grew, not new
    changes = update(store, [report("a4", "s", "impose", ["CAN"], ["BLR"], date(2026, 4, 29))])
    [earlier] = store.list()  # an earlier report: the earliest date, so the id, moves
    assert earlier.id != merged.id and store.get(merged.id) is None
    assert [(c.reason, c.incident.id) for c in changes] == [("new", earlier.id), ("corroborated", earlier.id)]
    membership = store.membership([(a, e) for a in ("a1", "a2", "a3", "a4")
                                   for e in [m.event_id for m in clustering.members_of(
                                       report(a, "p", "impose", ["CAN"], ["BLR"], date(2026, 5, 1)))]])
    assert {incident_id for incident_id, _ in membership.values()} == {earlier.id}
    assert store.outlets([earlier.id]) == {earlier.id: {"p", "q", "r", "s"}}
    assert store.outlets([merged.id]) == {}  # no member left under the old id


def test_what_was_due_and_never_recorded_is_due_again_and_survives_a_rebuild(engine, repo):
    store = IncidentStore(engine)
    first, second, third, _, _ = reports()
    assert [c.reason for c in update(store, [first], announce=False)] == ["new"]
    # the announcement was lost (a crash before the broker acknowledged it): the batch again owes it again
    assert [c.reason for c in update(store, [first], announce=False)] == ["new"]
    # another batch of the same party group rebuilds the incident: still owed, with what it holds now
    changes = update(store, [second])
    assert [(c.reason, c.incident.sources) for c in changes] == [("new", 2)]
    assert update(store, [first]) == []  # recorded: the rebuild carries what was announced
    changes = update(store, [third], announce=False)
    assert [(c.reason, c.incident.sources) for c in changes] == [("corroborated", 3)]
    assert [(c.reason, c.incident.sources) for c in update(store, [third])] == [("corroborated", 3)]
    assert update(store, [third]) == []
    [incident] = store.list()
    store.mark_announced([IncidentChange(incident.model_copy(update={"sources": 1}), "new")])
    assert update(store, [third]) == []  # a late record of an older announcement never lowers what was sent
