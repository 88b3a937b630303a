"""Faults on the shared broker and database: a worker SIGKILLed mid-run, and a second worker joining and
leaving the group mid-run. Nothing is lost, nothing stored twice. Run with -s to see the counts."""

from __future__ import annotations

import signal

import pytest

from tests.support.checks import assert_alerts_published, assert_exactly_once, counts, expected_events
from tests.support.pipeline import article_ids, bulk_articles, publish
from tests.support.services import SlowPublisher
from tests.support.workers import wait_for


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sigkill_during_500_articles_then_restart(make_worker, kafka_bootstrap, unique_prefix, database_url):
    articles = bulk_articles(500)
    event_ids, alertable = expected_events(articles)
    first = make_worker(database_url)
    first.ready()
    publish(kafka_bootstrap, f"{unique_prefix}news.articles", articles)
    wait_for("100+ articles stored before the crash", lambda: len(article_ids(database_url)) >= 100, 180,
             first.log_tail)
    first.stop(signal.SIGKILL)
    at_crash = counts(database_url)
    print(f"\n[sigkill] before the kill: {at_crash}")
    assert at_crash["articles"] < len(articles), "the kill came mid-run"

    second = make_worker(database_url)
    wait_for("all 500 articles after the restart", lambda: len(article_ids(database_url)) == len(articles),
             300, second.log_tail)
    after = assert_exactly_once(database_url, articles, event_ids)
    alerts = assert_alerts_published(kafka_bootstrap, unique_prefix, alertable)
    print(f"[sigkill] after the restart: {after}; alert ids expected {len(alertable)}, published "
          f"{len(alerts)} distinct in {sum(alerts.values())} records")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_second_worker_joins_and_leaves_mid_run(make_worker, kafka_bootstrap, unique_prefix, database_url):
    articles = bulk_articles(400)
    event_ids, alertable = expected_events(articles)
    first = make_worker(database_url)
    first.ready()
    # Records keep arriving (8 a second) through the join and the leave, so both rebalances hit live traffic.
    publisher = SlowPublisher(kafka_bootstrap, f"{unique_prefix}news.articles", articles, interval_s=0.12)
    publisher.start()
    wait_for("20+ articles stored", lambda: len(article_ids(database_url)) >= 20, 120, first.log_tail)

    second = make_worker(database_url)  # joins: the group rebalances
    second.ready()
    at_join = {**counts(database_url), "published": publisher.sent}
    wait_for("the second worker to take a share",
             lambda: second.metric("newsmon_articles_consumed_total") > 0, 120, second.log_tail)
    taken = second.metric("newsmon_articles_consumed_total")
    second.stop(signal.SIGTERM)  # leaves: rebalances back to the first
    at_leave = {**counts(database_url), "published": publisher.sent}
    assert publisher.is_alive(), "the second worker left while articles were still arriving"

    publisher.join(timeout=180)
    assert publisher.errors == []
    wait_for("all 400 articles", lambda: len(article_ids(database_url)) == len(articles), 300, first.log_tail)
    after = assert_exactly_once(database_url, articles, event_ids)
    assert_alerts_published(kafka_bootstrap, unique_prefix, alertable)
    print(f"\n[rebalance] at join: {at_join}\n  at leave: {at_leave} (second worker consumed {taken:.0f})\n"
          f"  after: {after}")
