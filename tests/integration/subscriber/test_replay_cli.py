"""`newsmon replay` against the real broker: exactly the articles whose broker timestamps fall in
[since, until) are copied, key and value bytes unchanged, to the replay topic; --dry-run copies nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from schemas import Article
from schemas.topics import REALERT_HEADER
from streams.kafka.backfill import SOURCE_HEADER, TIMESTAMP_HEADER

# Record timestamps a minute apart, from two hours ago: Kafka 4 rejects timestamps more than an hour in the
# future, and the window arithmetic below must not depend on when the test runs.
BASE_MS = (int(time.time()) - 2 * 3600) * 1000
STEP_MS = 60_000
COUNT = 12


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def article_value(i: int) -> bytes:
    article = Article(id=f"replay-it-{i:02d}", title=f"Replay headline {i}",
                      text=f"Ministers met for round {i} of talks on trade, officials said.")
    return article.model_dump_json().encode()


@pytest.fixture
def articles(cluster):
    """COUNT articles spread over all partitions, record i stamped BASE + i minutes."""
    producer = cluster.producer()
    topic = cluster.topic("articles")
    partitions = sorted(producer.partitions_for(topic))
    for i in range(COUNT):
        producer.send(topic, key=f"replay-it-{i:02d}".encode(), value=article_value(i),
                      partition=partitions[i % len(partitions)], timestamp_ms=BASE_MS + i * STEP_MS)
    producer.flush()
    producer.close()
    return cluster


def test_replays_exactly_the_window(articles):
    since, until = BASE_MS + 3 * STEP_MS, BASE_MS + 9 * STEP_MS  # records 3..8; 9 is excluded
    result = articles.run("replay", "--since", iso(since), "--until", iso(until))
    assert result.returncode == 0, result.stderr
    assert "replayed 6 record(s)" in result.stdout

    originals = {r.key: r for r in articles.read_all(articles.topic("articles"))}
    copies = articles.read_all(articles.topic("replay"))
    assert sorted(r.key for r in copies) == [f"replay-it-{i:02d}".encode() for i in range(3, 9)]
    for copy in copies:
        original = originals[copy.key]
        assert copy.value == original.value == article_value(int(copy.key[-2:]))  # same bytes
        assert copy.partition == original.partition  # same partition count: same place, same order per key
        headers = dict(copy.headers)
        assert headers[SOURCE_HEADER] == f"{original.topic}:{original.partition}:{original.offset}".encode()
        assert headers[TIMESTAMP_HEADER] == str(original.timestamp).encode()
        assert copy.timestamp > original.timestamp  # fresh: the replay topic's retention counts from now
        assert REALERT_HEADER not in headers  # only new or changed events will alert
    assert "only new or changed events will alert" in result.stdout


def test_realert_marks_every_copy(articles):
    result = articles.run("replay", "--since", "3h", "--realert")
    assert result.returncode == 0, result.stderr
    assert "their alerts will be published again (--realert)" in result.stdout
    copies = articles.read_all(articles.topic("replay"))
    assert len(copies) == COUNT and all(dict(c.headers)[REALERT_HEADER] == b"1" for c in copies)


def test_dry_run_counts_and_copies_nothing(articles):
    result = articles.run("replay", "--since", "3h", "--dry-run")  # relative: the whole test range
    assert result.returncode == 0, result.stderr
    assert f"would replay {COUNT} record(s)" in result.stdout
    assert "partition 0: offsets 0..3" in result.stdout
    assert articles.read_all(articles.topic("replay")) == []


def test_empty_window_is_a_clear_error(articles):
    result = articles.run("replay", "--since", iso(BASE_MS - 3 * 3600_000), "--until", iso(BASE_MS))
    assert result.returncode == 1
    assert "no records on" in result.stderr and "nothing to replay" in result.stderr
    assert articles.read_all(articles.topic("replay")) == []


def test_window_after_the_last_record_is_empty_too(articles):
    result = articles.run("replay", "--since", "1m")
    assert result.returncode == 1 and "nothing to replay" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "1h", "--until", "3h"], "is not before --until"),
    (["--since", "yesterday"], "cannot read 'yesterday' as a time"),
])
def test_bad_windows_are_refused_before_reading(cluster, args, message):
    result = cluster.run("replay", *args)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_topic_is_a_clear_error(kafka_bootstrap, unique_prefix):
    from tests.support.cluster import Cluster

    result = Cluster(kafka_bootstrap, unique_prefix).run("replay", "--since", "1d")
    assert result.returncode == 1
    assert f"{unique_prefix}news.articles.replay does not exist" in result.stderr
