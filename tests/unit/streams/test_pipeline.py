"""The agents' batch logic without Faust: one failing article is dead-lettered and the rest go on; a database
outage is retried (counted) until the write succeeds; alerts only for asserted events."""

import asyncio
import json

import pytest

import storage
from schemas import EnrichedArticle
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
    # Only the asserted event of each article raises an alert; both events are counted.
    alerts = sent.by_topic["alerts_sanction"]
    assert len(alerts) == 2 and "alerts_diplomacy" not in sent.by_topic
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
        def save_batch(self, records):
            if any(r.article.id == "bad" for r in records):
                raise storage.InvalidBatch("value too long", article_ids=["bad"])
            super().save_batch(records)

    repo = Picky()
    sent = Sent()
    asyncio.run(Persister(make_runtime(repo), sent).handle(
        [incoming(enriched_bytes(aid), n) for n, aid in enumerate(("ok1", "bad", "ok2"))]))
    assert repo.saved == [["ok1", "ok2"]]
    (letter,) = [json.loads(v) for _, v in sent.by_topic["deadletter"]]
    assert letter["reason"] == "processing_error" and letter["offset"] == 1
