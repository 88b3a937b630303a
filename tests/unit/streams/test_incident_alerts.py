"""Alerts name their incident and its corroboration (streams/worker/incidents.py); the persist step that sends
them does not wait on the lookup: when the database cannot say, the corroboration is unknown and the alert goes out."""

import asyncio

import storage
from schemas import Alert
from streams.worker.persist import Persister
from tests.support.fakes import FakeRepository, Sent, enriched_bytes, incoming, make_runtime


class KnownOutlets(FakeRepository):
    def __init__(self, outlets=None, down=False):
        super().__init__()
        self.outlets, self.down = outlets or {}, down

    def incident_outlets(self, incident_ids):
        if self.down:
            raise storage.DatabaseUnavailable("connection refused")
        return {i: self.outlets[i] for i in incident_ids if i in self.outlets}


def alerts_for(repo) -> list[Alert]:
    sent = Sent()
    asyncio.run(Persister(make_runtime(repo), sent).handle([incoming(enriched_bytes("a1", events=True), 0)]))
    return [Alert.model_validate_json(v) for _, v in sent.by_topic["alerts_sanction"]]


def test_an_alert_counts_the_outlets_stored_for_its_incident_and_its_own():
    first = alerts_for(KnownOutlets())[0]
    assert first.incident_id and first.incident_id.startswith("inc-") and first.corroboration == 1
    again = alerts_for(KnownOutlets({first.incident_id: {"harbour ledger", "meridian wire"}}))[0]
    assert again.incident_id == first.incident_id and again.corroboration == 3


def test_an_unavailable_database_leaves_the_corroboration_unknown_and_the_alert_goes_out():
    [alert] = alerts_for(KnownOutlets(down=True))
    assert alert.incident_id and alert.corroboration is None
