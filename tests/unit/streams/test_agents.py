"""The Faust agents of streams/worker/agents.py, run in Faust's test context (`Agent.test_context()`, an in-memory
channel instead of the broker): what they publish, and the delivery contract they keep, that an input record is
acknowledged (its offset committable) only once its outputs are acknowledged by the broker (enrich) or written
to the database (persist). The broker's acknowledgements are futures the test resolves itself."""

from __future__ import annotations

import asyncio
import threading

import pytest

from schemas import DeadLetter, EnrichedArticle
from streams.settings import Settings
from streams.worker import agents
from streams.worker.app import create_app, declare_topics
from tests.support.fakes import (
    FakeRepository,
    article_bytes,
    enriched_bytes,
    fake_processors,
    incoming,
    make_runtime,
)
from tests.support.workers import run_until_idle, wait_for_async


class Broker:
    """Stands in for the producer: records every send; its acknowledgement waits until `ack_all`."""

    def __init__(self):
        self.sent: list[tuple[str, bytes, bytes, asyncio.Future]] = []

    def install(self, topics):
        for topic_key, topic in topics.items():
            async def send(*, key=None, value=None, headers=None, _topic_key=topic_key):
                future = asyncio.get_running_loop().create_future()
                self.sent.append((_topic_key, key, value, future))
                return future

            topic.send = send

    def by_topic(self, topic_key: str) -> list[bytes]:
        return [value for key, _, value, _ in self.sent if key == topic_key]

    def ack_all(self):
        for *_, future in self.sent:
            if not future.done():
                future.set_result(None)


def worker(repository=None):
    """A Faust app with the agents installed on the runtime the composition root would build (fakes inside)."""
    settings = Settings(topic_prefix="t.", batch_timeout_s=0.02)
    app = create_app(settings)
    app.finalize()
    topics = declare_topics(app, settings)
    broker = Broker()
    broker.install(topics)
    runtime = make_runtime(repository)
    agents.install(app, topics, runtime)
    return app, broker, runtime


async def deliver(agent, key: bytes, value: bytes):
    """Hand the agent a record as Faust's topic conductor does: with one reference for the stream reading it."""
    channel = agent.stream().channel
    message = agent.to_message(key, value, offset=agent.sent_offset)
    message.incref()
    event = await channel.decode(message)
    await channel.put(event)
    agent.sent_offset += 1
    return event


def test_enrich_publishes_and_acks_its_input_only_once_the_broker_has_every_output(monkeypatch):
    fake_processors(monkeypatch)  # one asserted and one hypothetical sanction event per article
    app, broker, runtime = worker()

    async def scenario():
        async with app.agents["newsmon.enrich"].test_context() as agent:
            good = await deliver(agent, b"a1", article_bytes("a1", "Germany imposed sanctions on Iran."))
            bad = await deliver(agent, b"x", b"{not json")
            await wait_for_async("the enriched record and the dead letter",
                                 lambda: len(broker.sent) == 2, 10)
            await run_until_idle()
            assert not good.message.acked and not bad.message.acked, "acked before the broker acknowledged"
            broker.ack_all()
            await wait_for_async("both inputs acked", lambda: good.message.acked and bad.message.acked, 10)

    asyncio.run(scenario())
    (enriched,) = [EnrichedArticle.model_validate_json(v) for v in broker.by_topic("enriched")]
    assert enriched.article.id == "a1" and len(enriched.analysis.events) == 2
    assert not broker.by_topic("alerts_sanction")  # the persist agent alerts, after the database write
    (letter,) = [DeadLetter.model_validate_json(v) for v in broker.by_topic("deadletter")]
    assert letter.reason == "not_json" and letter.original == b"{not json"
    assert runtime.metrics.registry.get_sample_value("newsmon_articles_consumed_total") == 2


class GatedRepository(FakeRepository):
    """A database whose writes wait until the test opens the gate."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.writing = threading.Event()

    def save_batch(self, records, realert=()):
        self.writing.set()
        assert self.gate.wait(10), "the test never opened the gate"
        super().save_batch(records, realert)


@pytest.mark.parametrize("outages", [0, 1])
def test_persist_acks_its_input_only_once_the_database_write_committed(outages):
    repository = GatedRepository()
    repository.outages = outages  # a first attempt that finds the database unavailable, retried
    app, broker, runtime = worker(repository)

    async def scenario():
        async with app.agents["newsmon.persist"].test_context() as agent:
            event = await deliver(agent, b"a1", enriched_bytes("a1"))
            await wait_for_async("the write to start", repository.writing.is_set, 10)
            await run_until_idle()
            assert not event.message.acked, "acked while the write was still under way"
            repository.gate.set()
            await wait_for_async("the input acked after the write", lambda: event.message.acked, 20)

    asyncio.run(scenario())
    assert repository.saved == [["a1"]]
    assert runtime.metrics.registry.get_sample_value("newsmon_db_retries_total") == outages
    assert runtime.metrics.registry.get_sample_value("newsmon_articles_persisted_total") == 1


def test_a_persist_batch_cut_short_by_a_stop_stays_unacked_for_the_next_owner():
    """Faust acks a taken batch on the way out of a stopping stream; the agent's own reference keeps it unacked."""
    repository = GatedRepository()
    app, broker, runtime = worker(repository)

    async def scenario():
        async with app.agents["newsmon.persist"].test_context() as agent:
            event = await deliver(agent, b"a1", enriched_bytes("a1"))
            await wait_for_async("the write to start", repository.writing.is_set, 10)
        return event  # the agent is stopped here, its write still waiting

    try:
        event = asyncio.run(scenario())
        assert not event.message.acked
    finally:
        repository.gate.set()


class FakeConsumer:
    def __init__(self, positions, highwaters):
        self.positions, self.highwaters = positions, highwaters

    def assignment(self):
        return set(self.positions)

    async def position(self, tp):
        return self.positions[tp]

    def highwater(self, tp):
        return self.highwaters[tp]


def test_the_lag_tracker_reports_messages_and_age_behind_per_partition():
    from faust.types import TP

    runtime = make_runtime()
    lag = agents.LagTracker(runtime)
    behind, caught_up = TP("p.news.articles", 0), TP("p.news.articles", 1)
    lag.seen([incoming(b"x", 7)])  # a record of partition 0, broker timestamp long ago
    asyncio.run(lag.update(FakeConsumer({behind: 5, caught_up: 9}, {behind: 8, caught_up: 9})))
    get = runtime.metrics.registry.get_sample_value
    assert get("newsmon_consumer_lag_messages", {"topic": "p.news.articles", "partition": "0"}) == 3
    assert get("newsmon_consumer_lag_messages", {"topic": "p.news.articles", "partition": "1"}) == 0
    assert get("newsmon_consumer_lag_seconds", {"topic": "p.news.articles", "partition": "1"}) == 0
    assert get("newsmon_consumer_lag_seconds", {"topic": "p.news.articles", "partition": "0"}) > 0
