"""The agents' batch logic without Faust: one failing article is dead-lettered and the rest go on; a database
outage is retried (counted) until the write succeeds; alerts only for asserted events, published by the
persister when the save says they are due (new or changed), or again when the record asks to be realerted."""

import asyncio
import json

import pytest

import storage
from schemas import Alert, EnrichedArticle
from streams.worker.batch import Incoming
from streams.worker.enrich import Enricher
from streams.worker.persist import Persister
from tests.support.fakes import (
    FakeRepository,
    Sent,
    article_bytes,
    enriched_bytes,
    fake_processors,
    incoming,
    make_runtime,
)


@pytest.fixture
def fake_nlp(monkeypatch):
    fake_processors(monkeypatch)


def test_one_failing_article_is_dead_lettered_and_the_batch_goes_on(fake_nlp):
    rt = make_runtime()
    sent = Sent()
    batch = [incoming(article_bytes("a1", "Germany imposed sanctions."), 0),
             incoming(article_bytes("a2", "BOOM"), 1),
             incoming(b"not json", 2),
             incoming(article_bytes("a3", "Germany imposed sanctions again."), 3)]
    asyncio.run(Enricher(rt, sent).handle(batch))

    enriched = [EnrichedArticle.model_validate_json(v) for _, v in sent.by_topic["enriched"]]
    assert [e.article.id for e in enriched] == ["a1", "a3"]
    assert all(e.source_timestamp_ms == 1_700_000_000_000 for e in enriched)
    letters = [json.loads(v) for _, v in sent.by_topic["deadletter"]]
    assert sorted(letter["reason"] for letter in letters) == ["not_json", "processing_error"]
    boom = next(letter for letter in letters if letter["reason"] == "processing_error")
    assert "the parser choked" in boom["detail"] and boom["offset"] == 1
    assert not any(key.startswith("alerts_") for key in sent.by_topic)  # alerts come after the save
    m = rt.metrics.registry.get_sample_value
    assert m("newsmon_articles_consumed_total") == 4
    assert m("newsmon_articles_enriched_total") == 2
    assert m("newsmon_deadletters_total", {"reason": "processing_error"}) == 1
    assert m("newsmon_events_detected_total", {"type": "sanction", "subtype": "lift_or_ease",
                                               "certainty": "hypothetical"}) == 2


def test_database_outage_is_retried_until_the_batch_is_written(monkeypatch):
    repo = FakeRepository(outages=2)
    rt = make_runtime(repo)
    sent = Sent()
    batch = [incoming(enriched_bytes("a1"), 0), incoming(enriched_bytes("a2"), 1),
             incoming(enriched_bytes("a1"), 2),  # the same article twice: one upsert
             incoming(b'{"article": 1}', 3)]
    asyncio.run(Persister(rt, sent).handle(batch))
    assert repo.saved == [["a1", "a2"]]  # one transaction, after two failed attempts
    m = rt.metrics.registry.get_sample_value
    assert m("newsmon_db_retries_total") == 2
    assert m("newsmon_articles_persisted_total") == 2
    assert [json.loads(v)["reason"] for _, v in sent.by_topic["deadletter"]] == ["wrong_schema"]


def test_a_record_the_database_rejects_is_dead_lettered_and_the_rest_saved():
    class Picky(FakeRepository):
        def save_batch(self, records, realert=()):
            if any(r.article.id == "bad" for r in records):
                raise storage.InvalidBatch("value too long", article_ids=["bad"])
            super().save_batch(records, realert)

    repo = Picky()
    sent = Sent()
    asyncio.run(Persister(make_runtime(repo), sent).handle(
        [incoming(enriched_bytes(aid), n) for n, aid in enumerate(("ok1", "bad", "ok2"))]))
    assert repo.saved == [["ok1", "ok2"]]
    (letter,) = [json.loads(v) for _, v in sent.by_topic["deadletter"]]
    assert letter["reason"] == "processing_error" and letter["offset"] == 1


def test_alerts_go_out_once_for_asserted_events_and_again_only_when_realerted():
    repo = FakeRepository()
    rt = make_runtime(repo)
    sent = Sent()
    persister = Persister(rt, sent)
    batch = [incoming(enriched_bytes("a1", events=True), 0), incoming(enriched_bytes("a2", events=True), 1)]
    asyncio.run(persister.handle(batch))
    first = [Alert.model_validate_json(v) for _, v in sent.by_topic["alerts_sanction"]]
    assert sorted(a.event.article_id for a in first) == ["a1", "a2"]  # the asserted event of each
    assert all(a.event.certainty == "asserted" for a in first)
    assert all(key == a.id.encode() for (key, _), a in zip(sent.by_topic["alerts_sanction"], first, strict=True))

    asyncio.run(persister.handle(batch))  # the same records again: nothing new, nothing published
    assert len(sent.by_topic["alerts_sanction"]) == 2

    again = Incoming(value=enriched_bytes("a2", events=True), origin=batch[1].origin, realert=True)
    asyncio.run(persister.handle([batch[0], again]))
    repeated = [Alert.model_validate_json(v) for _, v in sent.by_topic["alerts_sanction"][2:]]
    assert [a.id for a in repeated] == [a.id for a in first if a.event.article_id == "a2"]
    assert rt.metrics.registry.get_sample_value("newsmon_alerts_published_total",
                                                 {"topic": "alerts_sanction"}) == 3


def test_an_alert_the_broker_never_acknowledged_stays_due():
    repo = FakeRepository()
    rt = make_runtime(repo)

    class Refusing(Sent):
        async def __call__(self, topic_key, key, value, headers=None):
            if topic_key.startswith("alerts_"):
                raise RuntimeError("broker refused the send")
            return await super().__call__(topic_key, key, value, headers)

    with pytest.raises(RuntimeError):
        asyncio.run(Persister(rt, Refusing()).handle([incoming(enriched_bytes("a1", events=True), 0)]))
    assert repo.saved == [["a1"]] and not repo.alerted  # saved, but the alert is not marked sent
    sent = Sent()
    asyncio.run(Persister(rt, sent).handle([incoming(enriched_bytes("a1", events=True), 0)]))
    assert len(sent.by_topic["alerts_sanction"]) == 1  # re-delivered: the alert goes out now
