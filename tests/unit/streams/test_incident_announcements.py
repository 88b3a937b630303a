"""Incident announcements on `alerts.incidents` are at least once (streams/worker/incidents.py): recorded as
announced only once the broker acknowledged them, so a batch whose announcement was lost is re-delivered and
sends it again; once recorded, a re-delivery sends nothing."""

import asyncio
from datetime import date

import pytest

import storage
from schemas import IncidentUpdate
from streams.worker.persist import Persister
from tests.support.fakes import FakeRepository, Sent, incoming, make_runtime
from tests.support.incidents import report


class Announcing(FakeRepository):
    """What storage does, in memory: every incident not recorded as announced is due as new."""

    def update_incidents(self, article_ids, members, cluster, threshold):
        super().update_incidents(article_ids, members, cluster, threshold)
        _, incidents = cluster(self.members)
        recorded = {c.incident.id for c in self.announced}
        return [storage.IncidentChange(inc, "new") for inc in incidents if inc.id not in recorded]


class Refused(Sent):
    """The broker never acknowledges an incident announcement (a crash, an outage)."""

    async def __call__(self, topic_key, key, value, headers=None):
        done = await super().__call__(topic_key, key, value, headers)
        if topic_key == "alerts_incidents":
            done = asyncio.get_running_loop().create_future()
            done.set_exception(ConnectionError("the broker went away"))
        return done


def deliver(repo, sent) -> list[IncidentUpdate]:
    batch = [incoming(report("a1", "Harbour Ledger", "impose", ["DEU"], ["IRN"],
                             date(2026, 5, 5)).model_dump_json().encode(), 0)]
    asyncio.run(Persister(make_runtime(repo), sent).handle(batch))
    return [IncidentUpdate.model_validate_json(v) for _, v in sent.by_topic.get("alerts_incidents", [])]


def test_an_unacknowledged_announcement_is_not_recorded_and_the_redelivered_batch_sends_it():
    repo = Announcing()
    with pytest.raises(ConnectionError):
        deliver(repo, Refused())
    assert repo.announced == []  # still due
    [update] = deliver(repo, Sent())  # the batch again, as the uncommitted offsets make the broker re-deliver
    assert update.reason == "new" and [c.incident.id for c in repo.announced] == [update.incident.id]
    assert deliver(repo, Sent()) == []  # recorded: never due again
