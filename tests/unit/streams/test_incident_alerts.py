"""Alerts name their incident and its corroboration (streams/worker/incidents.py), as the stored membership says
after the batch's rebuild; the persist step that sends them does not wait on the lookup: when the database cannot
say, the incident and corroboration are unknown and the alert goes out."""

import asyncio
from datetime import date

import storage
from schemas import Alert
from streams.worker.persist import Persister
from tests.support.fakes import FakeRepository, Sent, incoming, make_runtime
from tests.support.incidents import report


class Lookup(FakeRepository):
    def __init__(self, down=False):
        super().__init__()
        self.down = down

    def incidents_of(self, events):
        if self.down:
            raise storage.DatabaseUnavailable("connection refused")
        return super().incidents_of(events)


def alerts_for(repo, *articles) -> list[Alert]:
    sent = Sent()
    batch = [incoming(report(a, source, "impose", ["DEU"], ["IRN"], day).model_dump_json().encode(), i)
             for i, (a, source, day) in enumerate(articles)]
    asyncio.run(Persister(make_runtime(repo), sent).handle(batch))
    return [Alert.model_validate_json(v) for _, v in sent.by_topic["alerts_sanction"]]


def test_an_alert_counts_the_outlets_stored_for_its_incident():
    repo = Lookup()
    [first] = alerts_for(repo, ("a1", "Harbour Ledger", date(2026, 5, 5)))
    assert first.incident_id and first.incident_id.startswith("inc-") and first.corroboration == 1
    [again] = alerts_for(repo, ("a2", "Meridian Wire", date(2026, 5, 6)))
    assert again.incident_id == first.incident_id and again.corroboration == 2


def test_the_alert_names_the_incident_after_the_rebuild_when_an_earlier_report_re_identifies_it():
    repo = Lookup()
    [later] = alerts_for(repo, ("a1", "Harbour Ledger", date(2026, 5, 6)))
    [earlier] = alerts_for(repo, ("a2", "Meridian Wire", date(2026, 5, 3)))
    # the earlier report moves the incident's earliest date, hence its id: the new alert names the new id,
    # the one every stored member now has
    assert earlier.incident_id != later.incident_id and earlier.corroboration == 2
    assert {m.incident_id for m in repo.members} == {earlier.incident_id}


def test_an_unavailable_database_leaves_the_incident_unknown_and_the_alert_goes_out():
    [alert] = alerts_for(Lookup(down=True), ("a1", "Harbour Ledger", date(2026, 5, 5)))
    assert alert.incident_id is None and alert.corroboration is None
