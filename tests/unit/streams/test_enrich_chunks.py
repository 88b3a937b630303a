"""Enricher parses a batch in chunks, publishing one while the next is parsed: every article is still
published once, in input order, a failing article is dead-lettered, and a failing send fails the batch."""

import asyncio
import json

import pytest

import processors
from schemas import Analysis
from streams.worker.enrich import NLP_CHUNKS, Enricher
from tests.support.fakes import Sent, article_bytes, incoming, make_runtime


@pytest.fixture
def chunked_nlp(monkeypatch):
    calls: list[int] = []

    def parse_batch(nlp, texts, batch_size):
        calls.append(len(texts))
        return list(texts)

    def analyze_doc(article, doc, rules, model_name):
        if "BOOM" in doc:
            raise RuntimeError("the parser choked")
        return Analysis(article_id=article.id, model=model_name, rules_version="test")

    monkeypatch.setattr(processors, "parse_batch", parse_batch)
    monkeypatch.setattr(processors, "analyze_doc", analyze_doc)
    return calls


def batch(n: int, boom: int | None = None):
    return [incoming(article_bytes(f"a{i:02d}", "BOOM" if i == boom else f"text {i}"), i) for i in range(n)]


def test_a_batch_is_parsed_in_chunks_and_published_whole_in_order(chunked_nlp):
    rt = make_runtime()
    size = rt.settings.nlp_batch_size // NLP_CHUNKS
    sent = Sent()
    asyncio.run(Enricher(rt, sent).handle(batch(rt.settings.nlp_batch_size, boom=size + 1)))
    assert chunked_nlp == [size] * NLP_CHUNKS
    enriched = [json.loads(v)["article"]["id"] for _, v in sent.by_topic["enriched"]]
    assert enriched == [f"a{i:02d}" for i in range(rt.settings.nlp_batch_size) if i != size + 1]
    assert [json.loads(v)["reason"] for _, v in sent.by_topic["deadletter"]] == ["processing_error"]


def test_a_failing_send_fails_the_batch_so_it_is_retried(chunked_nlp):
    rt = make_runtime()
    sent = Sent()

    async def publish(topic_key, key, value, headers=None):
        if len(sent.by_topic.get("enriched", [])) == 10:
            raise ConnectionError("broker gone")
        return await sent(topic_key, key, value)

    with pytest.raises(ConnectionError):
        asyncio.run(Enricher(rt, publish).handle(batch(20)))
    assert len(sent.by_topic["enriched"]) == 10
