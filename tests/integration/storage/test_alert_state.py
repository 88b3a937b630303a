"""What a save says about alerts: which events are new, which changed, which asserted ones are due an alert,
and that an alert marked sent is not due again until its content changes (or a realert asks for it)."""

from __future__ import annotations

from tests.support.records import make_batch, make_record


def _events(records):
    return sorted(ev.id for record in records for ev in record.analysis.events)


def test_new_events_are_due_until_marked_sent(repo):
    batch = make_batch(3)
    first = repo.save_batch(batch)
    assert sorted(first.new_events) == _events(batch) and not first.changed_events
    assert sorted(eid for eid, _ in first.alerts_due) == _events(batch)

    unconfirmed = repo.save_batch(batch)  # the alerts were never confirmed (a crash before mark_alerted)
    assert not unconfirmed.new_events and not unconfirmed.changed_events
    assert unconfirmed.alerts_due == first.alerts_due

    repo.mark_alerted(first.alerts_due)
    again = repo.save_batch(batch)
    assert again.written and not again.alerts_due and not again.new_events and not again.changed_events


def test_new_rules_that_find_the_same_events_alert_nothing(repo):
    batch = make_batch(2)
    repo.mark_alerted(repo.save_batch(batch).alerts_due)
    newer = make_batch(2, rules_version="sanction_rules.v2")
    result = repo.save_batch(newer)
    assert sorted(result.updated) == sorted(r.article.id for r in newer)
    assert not result.alerts_due and not result.changed_events


def test_a_changed_event_is_due_and_the_others_are_not(repo):
    batch = [make_record(f"art-{i}") for i in range(3)]
    repo.mark_alerted(repo.save_batch(batch).alerts_due)
    # The same article and event id with other alert content (the title is part of what an alert shows) ...
    retitled = make_record(batch[1].article.id, rules_version="sanction_rules.v2", title="Another headline")
    assert _events([retitled]) == _events([batch[1]])
    # ... and an article whose event now has another subtype: a new event id, the old one gone.
    recoded = make_record(batch[2].article.id, rules_version="sanction_rules.v2", subtype="extend")
    result = repo.save_batch([batch[0], retitled, recoded])
    assert sorted(result.changed_events) == _events([retitled])
    assert sorted(result.new_events) == _events([recoded])
    assert sorted(eid for eid, _ in result.alerts_due) == _events([retitled, recoded])


def test_realert_makes_the_asserted_events_of_those_articles_due(repo):
    batch = [make_record("a-1"), make_record("a-2"), make_record("h-1", certainty="hypothetical")]
    repo.mark_alerted(repo.save_batch(batch).alerts_due)
    result = repo.save_batch(batch, realert={"a-2", "h-1"})
    assert [eid for eid, _ in result.alerts_due] == _events([batch[1]])  # hypothetical events never alert


def test_marking_an_older_content_sent_leaves_the_newer_due(repo):
    old = make_record("a-1")
    due_old = repo.save_batch([old]).alerts_due
    newer = make_record("a-1", title="Updated headline", rules_version="sanction_rules.v2")
    due_new = repo.save_batch([newer]).alerts_due
    repo.mark_alerted(due_old)  # the first alert's acknowledgement arrives after the newer save
    assert repo.save_batch([newer]).alerts_due == due_new
