"""The dead-letter brake (streams/worker/brake.py): it tips when more than the share of the sliding window is
dead-lettered, never sends the dead letter that tips it, says why once, and stays engaged."""

import asyncio
import json

import pytest

from streams.settings import Settings
from streams.worker.brake import BrakeEngaged, DeadLetterBrake
from streams.worker.enrich import Enricher
from streams.worker.metrics import Metrics
from tests.support.fakes import Sent, article_bytes, fake_processors, incoming, make_runtime


def test_it_tips_above_the_share_of_the_window_and_stays_engaged():
    metrics, reasons = Metrics.create(), []
    brake = DeadLetterBrake("enrich", window=10, share=0.5, metrics=metrics, on_engage=reasons.append)
    for dead in [True, False] * 10:  # half of every window: never more than the share
        brake.observe(dead)
    brake.observe(True)  # a dead one leaves the window as this one comes: still 5 of 10
    assert not brake.engaged
    with pytest.raises(BrakeEngaged, match="6 of the last 10 articles the enrich agent"):
        brake.observe(True)
    assert len(reasons) == 1 and "NEWSMON_DEADLETTER_BRAKE_SHARE" in reasons[0]
    with pytest.raises(BrakeEngaged):
        brake.observe(False)  # engaged for good: the worker is stopping
    value = metrics.registry.get_sample_value
    assert value("newsmon_deadletter_brake_engaged", {"agent": "enrich"}) == 1
    assert value("newsmon_deadletter_window_share", {"agent": "enrich"}) == 0.6


def test_a_fresh_window_counts_its_empty_slots_as_delivered():
    brake = DeadLetterBrake("persist", window=200, share=0.5, metrics=Metrics.create())
    for _ in range(100):
        brake.observe(True)
    with pytest.raises(BrakeEngaged):
        brake.observe(True)


def test_a_share_of_one_never_tips():
    brake = DeadLetterBrake("enrich", window=5, share=1.0, metrics=Metrics.create())
    for _ in range(50):
        brake.observe(True)
    assert not brake.engaged


def test_an_enricher_failing_every_article_stops_before_draining_the_batch(monkeypatch):
    fake_processors(monkeypatch)  # "BOOM" makes the analysis raise
    rt = make_runtime()
    rt.settings = Settings(max_text_bytes=10_000, deadletter_brake_window=8, deadletter_brake_share=0.5)
    sent, reasons = Sent(), []
    enricher = Enricher(rt, sent, on_brake=reasons.append)
    batch = [incoming(article_bytes(f"a{i}", "BOOM"), i) for i in range(20)]
    with pytest.raises(BrakeEngaged):
        asyncio.run(enricher.handle(batch))
    letters = [json.loads(v) for _, v in sent.by_topic["deadletter"]]
    assert len(letters) == 4  # share x window; the fifth tips the brake and is never sent
    assert [letter["offset"] for letter in letters] == [0, 1, 2, 3]
    assert len(reasons) == 1
