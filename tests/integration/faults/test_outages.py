"""Outages of the broker and of the database, each on a dedicated server (deploy/local/*.sh with other ports
and data dirs) so the shared ones stay up: producers retry, the worker waits, nothing is lost or stored twice.
Run with -s to see the counts before, during and after."""

from __future__ import annotations

import signal
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.settings import Settings
from tests.support.checks import assert_alerts_published, assert_exactly_once, counts, expected_events
from tests.support.pipeline import article_ids, bulk_articles, publish
from tests.support.services import DedicatedKafka, DedicatedPostgres, SlowPublisher, keep_down
from tests.support.workers import WorkerProcess, wait_for

BROKER_DOWN_S = 20
DATABASE_DOWN_S = 30
# Faust reads these from the environment: a lost member leaves the group in 10 s rather than 60 s.
WORKER_ENV = {"BROKER_SESSION_TIMEOUT": "10", "BROKER_HEARTBEAT_INTERVAL": "1"}


@pytest.fixture
def dedicated_kafka():
    broker = DedicatedKafka()
    broker.start()
    yield broker
    broker.close()


@pytest.fixture
def dedicated_postgres():
    cluster = DedicatedPostgres()
    cluster.start()
    yield cluster
    cluster.close()


@pytest.fixture
def workers(tmp_path):
    started: list[WorkerProcess] = []

    def start(bootstrap: str, prefix: str, database_url: str) -> WorkerProcess:
        worker = WorkerProcess(bootstrap=bootstrap, prefix=prefix, database_url=database_url,
                               workdir=tmp_path, extra_env=WORKER_ENV)
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop(signal.SIGKILL, timeout=10)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_broker_outage_while_publishing_and_processing(dedicated_kafka, workers, unique_prefix, database_url):
    broker = dedicated_kafka
    articles = bulk_articles(200)
    event_ids, alertable = expected_events(articles)
    topic = f"{unique_prefix}news.articles"
    worker = workers(broker.bootstrap, unique_prefix, database_url)
    worker.ready()
    publish(broker.bootstrap, topic, articles[:60])
    wait_for("the first 60 articles", lambda: len(article_ids(database_url)) == 60, 120, worker.log_tail)

    publisher = SlowPublisher(broker.bootstrap, topic, articles[60:], interval_s=0.1)
    publisher.start()
    wait_for("the publisher under way", lambda: publisher.sent >= 20, 30)
    broker.stop()
    before = counts(database_url)
    sent_at_stop = publisher.sent
    keep_down(BROKER_DOWN_S, worker)
    during = counts(database_url)
    restart_s = broker.start()  # same data dir: the same broker, topics and offsets

    publisher.join(timeout=300)
    assert not publisher.is_alive() and publisher.errors == [], publisher.errors[:5]
    wait_for("all 200 articles after the outage", lambda: len(article_ids(database_url)) == len(articles),
             300, worker.log_tail)
    assert worker.proc.poll() is None, "the same worker resumed"
    after = assert_exactly_once(database_url, articles, event_ids)
    alerts = assert_alerts_published(broker.bootstrap, unique_prefix, alertable)
    print(f"\n[broker outage] {BROKER_DOWN_S}s down + {restart_s:.0f}s restart; publisher had sent "
          f"{sent_at_stop}/{len(articles) - 60} at the stop\n  before: {before}\n  during: {during}\n"
          f"  after: {after}; alert ids {len(alerts)} distinct / {len(alertable)} expected")


def _committed(bootstrap: str, group: str, topic: str) -> int:
    """The persist agent's committed offsets on the enriched topic, summed over its partitions (read by a
    consumer that never joins the group, so it does not disturb it)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        return sum(consumer.committed(TopicPartition(topic, p)) or 0 for p in partitions)
    finally:
        consumer.close(autocommit=False)


def test_database_outage_is_backed_off_without_acknowledging(dedicated_postgres, workers, kafka_bootstrap,
                                                             unique_prefix):
    database_url = dedicated_postgres.url
    articles = bulk_articles(90)
    event_ids, alertable = expected_events(articles)
    topic = f"{unique_prefix}news.articles"
    enriched = f"{unique_prefix}news.enriched"
    group = Settings(topic_prefix=unique_prefix).group_id
    worker = workers(kafka_bootstrap, unique_prefix, database_url)
    worker.ready()
    publish(kafka_bootstrap, topic, articles[:30])
    wait_for("the first 30 rows", lambda: len(article_ids(database_url)) == 30, 120, worker.log_tail)
    wait_for("their offsets committed", lambda: _committed(kafka_bootstrap, group, enriched) == 30, 30)

    before = counts(database_url)
    dedicated_postgres.stop()
    stopped_at = time.monotonic()
    publish(kafka_bootstrap, topic, articles[30:])
    wait_for("the persist agent to back off and retry",
             lambda: worker.metric("newsmon_db_retries_total") >= 2, 120, worker.log_tail)
    wait_for("enrichment to go on meanwhile",
             lambda: worker.metric("newsmon_articles_enriched_total") == len(articles), 120, worker.log_tail)
    keep_down(DATABASE_DOWN_S, worker, since=stopped_at)
    committed_during = _committed(kafka_bootstrap, group, enriched)
    retries_during = worker.metric("newsmon_db_retries_total")
    assert committed_during == 30, "offsets of unwritten records were committed"
    assert worker.metric("newsmon_articles_persisted_total") == 30

    dedicated_postgres.start()
    wait_for("all 90 rows after the outage", lambda: len(article_ids(database_url)) == len(articles), 180,
             worker.log_tail)
    wait_for("all offsets committed", lambda: _committed(kafka_bootstrap, group, enriched) == 90, 30)
    after = assert_exactly_once(database_url, articles, event_ids)
    assert_alerts_published(kafka_bootstrap, unique_prefix, alertable)
    assert worker.metric("newsmon_deadletters_total") == 0
    print(f"\n[database outage] {DATABASE_DOWN_S}s down; {retries_during:.0f} retries; committed enriched "
          f"offsets during the outage {committed_during} (rows stored 30)\n  before: {before}\n"
          f"  after: {after}")
