"""The poller's schedule and its behaviour when the database fails under it (fakes for the connector, the state
and the sink; the real ones are in tests/integration/feeds)."""

from __future__ import annotations

from storage.errors import DatabaseUnavailable
from storage.feeds import SourceState
from streams.feeds.config import Source
from streams.feeds.connectors import Document, Fetched
from streams.feeds.poller import Poller, PollResult
from streams.worker.metrics import FeedMetrics

SOURCE = Source(name="desk", kind="rss", url="https://desk.example.net/rss", interval=120)
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Malta opens an embassy'
        b'</title><link>https://desk.example.net/malta</link><description>VALLETTA - Malta opened an embassy in '
        b'a Pacific capital on Friday, the government said.</description></item></channel></rss>')


class Connector:
    def fetch(self, cursor):
        return Fetched([Document("https://desk.example.net/rss", FEED, "feed")], {"etag": '"1"'}, one_answer=True)


class DownState:
    """A database that answers reads with nothing and fails every write."""

    def source(self, name):
        return SourceState(name, {}, None, None, 0, None, 0, 0)

    def unseen(self, candidates):
        raise DatabaseUnavailable("reading feed items: database unavailable: connection refused")

    def record(self, *args, **kwargs):
        raise DatabaseUnavailable("recording a feed poll: database unavailable: connection refused")


class Sink:
    articles_topic, deadletter_topic = "news.articles", "news.deadletter"

    def __init__(self):
        self.sent = []

    def publish(self, articles):
        self.sent.extend(articles)

    def dead_letter(self, letters):
        self.sent.extend(letters)


def _poller(sink):
    return Poller([SOURCE], context=None, state=DownState(), sink=sink, metrics=FeedMetrics.create(),
                  max_text_bytes=100_000, backoff_initial_s=1.0, backoff_max_s=8.0,
                  connectors={"desk": Connector()})


def test_a_database_outage_is_a_failed_poll_counted_in_memory_and_nothing_is_sent():
    sink = Sink()
    poller = _poller(sink)
    results = [poller.poll(SOURCE) for _ in range(3)]
    assert [r.ok for r in results] == [False, False, False]
    assert "database unavailable" in (results[0].error or "")
    assert sink.sent == []  # not published without the record of what was sent
    assert poller.metrics.registry.get_sample_value("newsmon_feed_consecutive_failures", {"source": "desk"}) == 3


def test_backoff_grows_with_failures_in_a_row_and_a_success_returns_to_the_interval():
    poller = _poller(Sink())
    delays = []
    for _ in range(5):
        delays.append(poller.delay_after(SOURCE, poller.poll(SOURCE)))
    # initial * 2^(n-1), at most 8, plus up to `initial` (1 s) of jitter
    for n, delay in enumerate(delays, start=1):
        low = min(8.0, 2.0 ** (n - 1))
        assert low <= delay <= low + 1.0, (n, delay)
    assert poller.delay_after(SOURCE, PollResult("desk", ok=True)) == 120
