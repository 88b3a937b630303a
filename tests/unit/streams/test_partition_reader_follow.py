"""`follow` stops through an event between polls, never by an interrupt inside the Kafka client."""

from __future__ import annotations

import threading


class FakeConsumer:
    """poll() hands out the given batches, then nothing; it sets `stop` on the poll given by `stop_at`."""

    def __init__(self, batches: list[list[int]], stop: threading.Event, stop_at: int):
        self.batches, self.stop, self.stop_at, self.polls = list(batches), stop, stop_at, 0

    def poll(self, timeout_ms: int) -> dict:
        self.polls += 1
        if self.polls == self.stop_at:
            self.stop.set()
        return {("alerts", 0): self.batches.pop(0)} if self.batches else {}


def test_follow_ends_once_stop_is_set_and_shows_the_polled_batch_whole():
    from streams.kafka.reader import follow

    stop = threading.Event()
    consumer = FakeConsumer([[1, 2], [3, 4, 5], [6]], stop, stop_at=2)
    # Set during the second poll: its batch (whose offsets a group commits as one) is still shown, no later one.
    assert list(follow(consumer, poll_ms=10, stop=stop)) == [1, 2, 3, 4, 5]
    assert consumer.polls == 2


def test_follow_without_stop_keeps_polling():
    from streams.kafka.reader import follow

    stop = threading.Event()
    records = follow(FakeConsumer([[1], [], [2]], stop, stop_at=99), poll_ms=10)
    assert [next(records), next(records)] == [1, 2]


def test_first_ctrl_c_sets_stop_and_a_second_interrupts(monkeypatch):
    import os
    import signal

    import pytest

    from streams.cli.errors import ctrl_c_sets

    stop = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with ctrl_c_sets(stop):
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(2)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            stop.wait(2)  # the handler raises here, in the main thread
    assert signal.getsignal(signal.SIGINT) is before  # restored
