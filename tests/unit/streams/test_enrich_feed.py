"""EnrichFeed keeps the NLP busy across batches: the next batch is analysed while the previous one waits for the
broker's acknowledgements, yet a batch is released (its offsets made committable) only once every record it
produced is acknowledged, in the order the batches came; a batch whose acknowledgement fails is sent again
whole before it is released; a stop leaves unreleased batches unreleased."""

import asyncio
import json

import pytest

from schemas import Analysis
from streams.worker.batch import BatchHeld
from streams.worker.enrich import Enricher, EnrichFeed
from streams.worker.nlp_executor import ChunkResult
from tests.support.fakes import article_bytes, incoming, make_runtime
from tests.support.workers import run_until_idle, wait_for_async


class TimelineNlp:
    """An NLP executor that records when each chunk starts, and answers after a short 'parse'."""

    kind = "fake"
    model = "fake-model"

    def __init__(self, timeline: list[str]):
        self.timeline = timeline

    async def analyze(self, articles):
        self.timeline.append("nlp " + ",".join(a.id for a in articles))
        await asyncio.sleep(0.01)
        return ChunkResult([Analysis(article_id=a.id, model=self.model, rules_version="test") for a in articles],
                           0.01, 0.0)

    def close(self):
        pass


class HeldAcks:
    """A publish function whose acknowledgements the test gives (or refuses) per article."""

    def __init__(self, timeline: list[str]):
        self.timeline = timeline
        self.acks: dict[str, list[asyncio.Future]] = {}
        self.sent: list[str] = []
        self.texts: list[str] = []  # the article text of each enriched record, in the order sent

    async def __call__(self, topic_key, key, value, headers=None):
        record = json.loads(value)["article"]
        article_id = record["id"]
        self.sent.append(article_id)
        self.texts.append(record["text"])
        fut = asyncio.get_running_loop().create_future()
        self.acks.setdefault(article_id, []).append(fut)
        return fut

    def ack(self, article_id: str, error: Exception | None = None) -> None:
        for fut in self.acks[article_id]:
            if not fut.done():
                fut.set_exception(error) if error else fut.set_result(None)
        self.timeline.append(("fail " if error else "ack ") + article_id)


def batch_of(*ids: str, offset: int = 0):
    return [incoming(article_bytes(i, f"text of {i}"), offset + n) for n, i in enumerate(ids)]


def feed_with(timeline):
    rt = make_runtime()
    rt.nlp_executor = TimelineNlp(timeline)
    acks = HeldAcks(timeline)
    released: list[str] = []

    def release(token, batch):
        released.append(token)
        timeline.append("release " + token)

    return EnrichFeed(Enricher(rt, acks), release, stopping=lambda: False), acks, released


async def until(condition, timeout=5.0):
    await wait_for_async("the feed to get there", condition, timeout)


def test_the_next_batch_is_analysed_while_the_previous_waits_for_acks_and_release_follows_acks():
    timeline: list[str] = []

    async def scenario():
        feed, acks, released = feed_with(timeline)
        await feed.put("b1", batch_of("a1", "a2"))
        await feed.put("b2", batch_of("a3", offset=2))
        await until(lambda: set(acks.sent) == {"a1", "a2", "a3"})
        assert released == []  # nothing acknowledged yet: nothing committable
        acks.ack("a3")
        await run_until_idle()
        assert released == []  # b2 is done but b1 is not: released in order
        acks.ack("a1")
        acks.ack("a2")
        await until(lambda: released == ["b1", "b2"])
        await feed.close()

    asyncio.run(scenario())
    assert timeline.index("nlp a3") < timeline.index("ack a1")  # b2 parsed while b1 waited for the broker
    assert timeline.index("release b1") > timeline.index("ack a2")


def test_a_batch_whose_acknowledgement_fails_is_sent_again_and_released_once():
    timeline: list[str] = []

    async def scenario():
        feed, acks, released = feed_with(timeline)
        await feed.put("b1", batch_of("a1"))
        await until(lambda: acks.sent == ["a1"])
        acks.ack("a1", ConnectionError("broker gone"))
        await until(lambda: acks.sent == ["a1", "a1"])  # handled again whole
        assert released == []
        acks.ack("a1")
        await until(lambda: released == ["b1"])
        await run_until_idle()
        await feed.close()
        return released

    assert asyncio.run(scenario()) == ["b1"]


def test_a_stop_leaves_unacknowledged_batches_unreleased_and_put_then_raises():
    timeline: list[str] = []

    async def scenario():
        feed, acks, released = feed_with(timeline)
        await feed.put("b1", batch_of("a1"))
        await until(lambda: acks.sent == ["a1"])
        await feed.close()
        assert feed.unreleased == 1
        with pytest.raises(BatchHeld):
            await feed.put("b2", batch_of("a2", offset=1))
        return released

    assert asyncio.run(scenario()) == []


def test_after_a_re_send_the_newer_version_of_an_article_still_lands_last():
    # b1 holds version 1 of article x, b2 version 2. b1's send is refused after b2 was published: b1 is sent
    # again, and b2 after it, so the last record for x on the topic is version 2.
    timeline: list[str] = []

    async def scenario():
        feed, acks, released = feed_with(timeline)
        await feed.put("b1", [incoming(article_bytes("x", "version 1"), 0)])
        await feed.put("b2", [incoming(article_bytes("x", "version 2"), 1)])
        await until(lambda: acks.texts == ["version 1", "version 2"])
        acks.acks["x"][0].set_exception(ConnectionError("broker gone"))
        acks.acks["x"][1].set_result(None)
        for n in (3, 4):  # each re-send is acknowledged before the next one goes out
            await until(lambda n=n: len(acks.texts) == n)
            acks.acks["x"][n - 1].set_result(None)
        await until(lambda: released == ["b1", "b2"])
        await feed.close()
        return acks.texts

    assert asyncio.run(scenario()) == ["version 1", "version 2", "version 1", "version 2"]
