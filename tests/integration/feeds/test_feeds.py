"""Issue 16, done when: the feed poller against a local HTTP server (tests/support/feedserver.py: 127.0.0.1,
bounded, stops by itself), the real Kafka broker and a real database (SQLite and PostgreSQL).

- a feed that gains items between polls publishes exactly the new ones; 304 answers publish nothing
- a server error backs off (exponentially, with jitter) and recovers
- a restart of the poller (two `newsmon feeds run --once` processes) republishes nothing
- a watched directory picks up a dropped file once
- a malformed item is refused with the reason and counted, the rest of the feed still goes in
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from schemas import Article, DeadLetter
from streams.cli.feeds import build_poller
from streams.feeds.config import FeedsFile, Source, save
from streams.settings import Settings
from tests.support.feedserver import FeedServer, Script, rss

ITEMS = [
    ("Iceland bars two trawler operators from its waters",
     "https://desk.example.net/iceland-bars-trawlers",
     "REYKJAVIK - Iceland barred two trawler operators from its fishing zone on Monday after repeated "
     "catches above their quota, the fisheries directorate said."),
    ("Ghana and Togo open a joint customs post",
     "https://desk.example.net/ghana-togo-customs",
     "ACCRA - Ghana and Togo opened a joint customs post at their busiest crossing on Tuesday, cutting "
     "waiting times for lorries, officials of both countries said."),
    ("Portugal summons the envoy of a Gulf state",
     "https://desk.example.net/portugal-summons-envoy",
     "LISBON - Portugal summoned the envoy of a Gulf state on Wednesday over remarks about its migration "
     "policy, the foreign ministry in Lisbon said."),
]


@pytest.fixture
def server():
    srv = FeedServer(max_requests=40, lifetime_s=150).start()
    yield srv
    srv.stop()


def _settings(cluster, database_url: str, **kw) -> Settings:
    values = {"feeds_backoff_initial_s": 0.2, "feeds_backoff_max_s": 2.0, "feeds_timeout_s": 10,
              "feeds_metrics_port": 0, **kw}
    return Settings(kafka_bootstrap=cluster.bootstrap, topic_prefix=cluster.prefix, database_url=database_url,
                    **values)


def _feeds(tmp_path: Path, *sources: Source) -> Path:
    path = tmp_path / "feeds.yaml"
    save(FeedsFile(sources=list(sources)), path)
    return path


def _articles(cluster) -> list[Article]:
    records = cluster.read_all(cluster.topic("articles"))
    out = [Article.model_validate_json(r.value) for r in records]
    assert all(r.key == a.id.encode() for r, a in zip(records, out, strict=True))
    return out


def _metric(poller, name: str, **labels: str) -> float:
    value = poller.metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_a_feed_that_gains_items_publishes_exactly_the_new_ones_and_304_publishes_nothing(
        cluster, database_url, tmp_path, server):
    server.script = Script(body=rss(*ITEMS[:2]), etag='"v1"')
    path = _feeds(tmp_path, Source(name="desk", kind="rss", url=server.url("/feed.xml"), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        source = poller.sources[0]
        first = poller.poll(source)
        assert (first.ok, first.new, first.seen) == (True, 2, 2)

        unchanged = poller.poll(source)  # the server answers 304 to If-None-Match "v1"
        assert unchanged.not_modified and unchanged.new == 0
        assert server.requests[-1].status == 304 and server.requests[-1].headers["If-None-Match"] == '"v1"'

        server.script = Script(body=rss(*ITEMS), etag='"v2"')  # one item more
        grown = poller.poll(source)
        assert (grown.new, grown.seen) == (1, 3)
    finally:
        producer.close()
    on_topic = _articles(cluster)
    assert sorted(a.url for a in on_topic) == sorted(url for _, url, _ in ITEMS)  # each exactly once
    assert all(r.headers["User-Agent"].startswith("newsmon/") for r in server.requests)
    assert _metric(poller, "newsmon_feed_items_total", source="desk", outcome="new") == 3
    assert _metric(poller, "newsmon_feed_fetches_total", source="desk", result="not_modified") == 1


def test_last_modified_alone_gives_conditional_requests(cluster, database_url, tmp_path, server):
    server.script = Script(body=rss(ITEMS[0]), last_modified="Mon, 07 Dec 2026 08:00:00 GMT")
    path = _feeds(tmp_path, Source(name="desk", kind="rss", url=server.url(), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        assert poller.poll(poller.sources[0]).new == 1
        again = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert again.not_modified
    assert server.requests[-1].headers["If-Modified-Since"] == "Mon, 07 Dec 2026 08:00:00 GMT"
    assert len(_articles(cluster)) == 1


def test_a_server_error_backs_off_and_recovers(cluster, database_url, tmp_path, server):
    server.script = Script(body=rss(*ITEMS[:2]), etag='"v1"', fail_next=3, fail_status=503)
    path = _feeds(tmp_path, Source(name="flaky", kind="rss", url=server.url(), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    results, failures_seen = [], []

    def record(result) -> None:
        results.append(result)
        failures_seen.append(_metric(poller, "newsmon_feed_consecutive_failures", source="flaky"))

    try:
        polls = poller.run(threading.Event(), record, max_polls=4)
    finally:
        producer.close()
    assert polls == 4
    assert [r.ok for r in results] == [False, False, False, True]
    assert "HTTP 503" in (results[0].error or "")
    assert failures_seen == [1, 2, 3, 0]
    assert results[-1].new == 2 and len(_articles(cluster)) == 2
    # Backoff: the n-th failure in a row waits at least initial * 2^(n-1) (plus up to `initial` of jitter).
    gaps = [b.at - a.at for a, b in zip(server.requests, server.requests[1:], strict=False)]
    assert [g >= 0.2 * 2 ** n * 0.95 for n, g in enumerate(gaps)] == [True, True, True], gaps
    state = poller.state.source("flaky")
    assert state.consecutive_failures == 0 and state.last_error is None and state.last_success_at


def test_a_restarted_poller_republishes_nothing(cluster, database_url, tmp_path, server):
    # No ETag nor Last-Modified: every poll gets the whole feed, so only the stored ids keep it from resending.
    server.script = Script(body=rss(*ITEMS))
    path = _feeds(tmp_path, Source(name="desk", kind="rss", url=server.url(), interval=60))
    env = dict(cluster.env, NEWSMON_DATABASE_URL=database_url, NEWSMON_FEEDS_METRICS_PORT="0")
    outputs = []
    for _ in range(2):
        import subprocess

        from tests.support.workers import NEWSMON

        done = subprocess.run([NEWSMON, "feeds", "run", "--once", "-f", str(path)], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert "desk: 3 new article(s) published" in outputs[0]
    assert "new article" not in outputs[1]
    assert len(server.requests) == 2 and all(r.status == 200 for r in server.requests)
    assert len(_articles(cluster)) == 3


def test_an_item_known_by_its_canonical_url_is_not_sent_again(cluster, database_url, tmp_path, server):
    title, url, text = ITEMS[0]
    server.script = Script(body=rss((title, url, text)), etag='"a"')
    path = _feeds(tmp_path, Source(name="desk", kind="rss", url=server.url(), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        assert poller.poll(poller.sources[0]).new == 1
        # The same story again, its link with tracking parameters and a trailing slash: the same canonical URL.
        server.script = Script(body=rss((title + " (updated)", url + "/?utm_source=rss", text)), etag='"b"')
        again = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert (again.seen, again.new) == (1, 0)
    assert len(_articles(cluster)) == 1


def test_a_watched_directory_picks_up_a_dropped_file_once(cluster, database_url, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = _feeds(tmp_path, Source(name="inbox", kind="directory", path="inbox", interval=5))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        source = poller.sources[0]
        assert poller.poll(source).not_modified  # nothing there yet
        dropped = inbox / "wire.jsonl"
        dropped.write_text("\n".join(json.dumps({"title": t, "url": u, "text": x}) for t, u, x in ITEMS[:2]))
        past = time.time() - 5  # written and settled (the connector waits one second for files being written)
        os.utime(dropped, (past, past))
        (inbox / ".partial.json").write_text("{}")  # hidden: not read
        picked = poller.poll(source)
        assert (picked.new, picked.rejected) == (2, 0)
        assert poller.poll(source).not_modified  # read once
    finally:
        producer.close()
    restarted, producer = build_poller(_settings(cluster, database_url), path)  # the cursor survives restarts
    try:
        assert restarted.poll(restarted.sources[0]).not_modified
    finally:
        producer.close()
    assert sorted(a.url for a in _articles(cluster)) == sorted(u for _, u, _ in ITEMS[:2])


def test_a_malformed_item_is_refused_with_the_reason_and_counted_the_rest_goes_in(
        cluster, database_url, tmp_path, server, monkeypatch):
    monkeypatch.setenv("FEEDS_TEST_API_KEY", "s3cret-for-test")
    body = {"status": "ok", "articles": [
        {"title": ITEMS[0][0], "url": ITEMS[0][1], "content": ITEMS[0][2]},
        {"title": "A record without any text", "url": "https://desk.example.net/empty"},
        {"title": ITEMS[1][0], "url": ITEMS[1][1], "content": ITEMS[1][2]},
    ]}
    server.script = Script(body=json.dumps(body).encode(), content_type="application/json",
                           require_header=("X-Api-Key", "s3cret-for-test"))
    source = Source(name="api", kind="json", url=server.url("/v2/everything"), interval=60,
                    headers={"X-Api-Key": "FEEDS_TEST_API_KEY"})
    path = _feeds(tmp_path, source)
    assert "s3cret" not in path.read_text()  # the file names the variable, never the secret
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        result = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert (result.ok, result.seen, result.new, result.rejected) == (True, 3, 2, 1)
    assert sorted(a.url for a in _articles(cluster)) == sorted([ITEMS[0][1], ITEMS[1][1]])
    assert _metric(poller, "newsmon_feed_items_total", source="api", outcome="rejected") == 1
    letters = [DeadLetter.model_validate_json(r.value) for r in cluster.read_all(cluster.topic("deadletter"))]
    assert len(letters) == 1
    assert letters[0].key == "feed:api" and "articles[1]" in letters[0].detail
    assert letters[0].reason == "empty_text" and "no article text" in letters[0].detail
    assert b"A record without any text" in letters[0].original  # the bytes it came in, not lost
    assert poller.state.source("api").items_rejected == 1


def test_requests_to_one_host_are_limited(cluster, database_url, tmp_path, server):
    server.script = Script(body=rss(ITEMS[0]), delay_s=0.3)
    sources = [Source(name=f"s{i}", kind="rss", url=server.url(f"/f{i}"), interval=60) for i in range(4)]
    path = _feeds(tmp_path, *sources)
    poller, producer = build_poller(_settings(cluster, database_url, feeds_per_host=1, feeds_concurrency=4), path)
    try:
        assert poller.run(threading.Event(), max_polls=4) == 4
    finally:
        producer.close()
    assert len(server.requests) == 4 and server.max_in_flight == 1
    assert len(_articles(cluster)) == 1  # the same item in four feeds is sent once


def test_status_lists_the_worst_sources_first(database_url):
    from storage import make_engine
    from storage.feeds import FeedState
    from streams.cli.feeds import worst_sources

    state = FeedState(make_engine(database_url))
    state.record("healthy", cursor={}, ok=True, new=4)
    state.record("broken", ok=False, error="http://x.example/feed: HTTP 500 Internal Server Error")
    state.record("broken", ok=False, error="http://x.example/feed: HTTP 502 Bad Gateway")
    state.record("never", ok=False, error="timed out")
    worst = worst_sources(Settings(database_url=database_url))
    assert [(w["source"], w["consecutive_failures"]) for w in worst] == [("broken", 2), ("never", 1), ("healthy", 0)]
    assert worst[0]["last_error"].endswith("HTTP 502 Bad Gateway") and worst[0]["since_success_s"] is None
    assert worst[2]["sent"] == 4 and worst[2]["since_success_s"] is not None


def test_a_server_that_does_not_answer_in_time_is_a_failed_poll(cluster, database_url, tmp_path, server):
    server.script = Script(body=rss(ITEMS[0]), delay_s=3)
    path = _feeds(tmp_path, Source(name="slow", kind="rss", url=server.url(), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url, feeds_timeout_s=0.5), path)
    try:
        result = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert not result.ok and "timed out" in (result.error or "")
    assert poller.state.source("slow").consecutive_failures == 1
    assert _metric(poller, "newsmon_feed_fetches_total", source="slow", result="error") == 1


def test_an_unreadable_file_in_a_watched_directory_is_dead_lettered_once(cluster, database_url, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = _feeds(tmp_path, Source(name="inbox", kind="directory", path="inbox", interval=5))
    good, bad = inbox / "good.json", inbox / "bad.json"
    good.write_text(json.dumps({"title": ITEMS[2][0], "url": ITEMS[2][1], "text": ITEMS[2][2]}))
    bad.write_text('{"title": "cut off in the middle", "text": ')
    past = time.time() - 5
    for f in (good, bad):
        os.utime(f, (past, past))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        first = poller.poll(poller.sources[0])
        second = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert (first.ok, first.new, first.rejected) == (True, 1, 1)
    assert first.refused[0][0] == str(bad) and "not JSON" in first.refused[0][1]
    assert second.not_modified  # the bad file is not read (nor dead-lettered) again
    letters = [DeadLetter.model_validate_json(r.value) for r in cluster.read_all(cluster.topic("deadletter"))]
    assert [(d.reason, d.original) for d in letters] == [("not_json", bad.read_bytes())]
    assert [a.url for a in _articles(cluster)] == [ITEMS[2][1]]


def test_an_error_page_instead_of_the_feed_is_a_failed_poll(cluster, database_url, tmp_path, server):
    server.script = Script(body=b"Service temporarily unavailable, try again later.", content_type="text/plain")
    path = _feeds(tmp_path, Source(name="desk", kind="json", url=server.url("/api"), interval=60))
    poller, producer = build_poller(_settings(cluster, database_url), path)
    try:
        result = poller.poll(poller.sources[0])
    finally:
        producer.close()
    assert not result.ok and "nothing readable" in (result.error or "")
    assert poller.state.source("desk").consecutive_failures == 1
    assert poller.state.source("desk").last_error == result.error


def test_feeds_run_keeps_polling_picks_up_a_file_dropped_while_it_runs_and_stops_on_sigterm(
        cluster, database_url, tmp_path):
    import signal
    import subprocess

    from tests.support.kafka import read_topic
    from tests.support.workers import NEWSMON

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = _feeds(tmp_path, Source(name="inbox", kind="directory", path="inbox", interval=1))
    env = dict(cluster.env, NEWSMON_DATABASE_URL=database_url, NEWSMON_FEEDS_METRICS_PORT="0")
    proc = subprocess.Popen([NEWSMON, "feeds", "run", "-f", str(path)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # a few empty polls first
        dropped = inbox / "late.json"
        dropped.write_text(json.dumps({"title": ITEMS[1][0], "url": ITEMS[1][1], "text": ITEMS[1][2]}))
        records = read_topic(cluster.bootstrap, cluster.topic("articles"), 1, timeout=60)
        assert [Article.model_validate_json(r.value).url for r in records] == [ITEMS[1][1]]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "inbox: 1 new article(s) published" in out and "stopped after" in out
