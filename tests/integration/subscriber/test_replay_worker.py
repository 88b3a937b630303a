"""The promise of `newsmon replay`, with a real worker: replayed articles are processed again beside live
traffic and come out with the ids of the first run, so the database holds each row once and alert
subscribers see the same alert ids again."""

from __future__ import annotations

import signal
import time

import pytest
import sqlalchemy as sa

from schemas import Alert, Article
from tests.support.workers import WorkerProcess, wait_for

ARTICLES = [
    Article(id="rp-sanction-1", title="Canada sanctions Russian bank",
            text="Canada imposed sanctions on Russia's largest state bank on Monday, officials said."),
    Article(id="rp-diplomacy-1", title="Talks in Geneva",
            text="The foreign ministers of Japan and South Korea held talks in Geneva on Tuesday."),
    Article(id="rp-markets-1", title="Markets",
            text="Shares in Australia rose for a third day as exporters gained, traders said."),
]


def db_count(database_url: str, rows: str) -> int:
    """SELECT count(*) FROM <rows>, e.g. "events WHERE certainty = 'asserted'"; -1 before the tables exist."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {rows}")).scalar_one()
    except sa.exc.SQLAlchemyError:  # tables not created yet
        return -1
    finally:
        engine.dispose()


def alert_ids(cluster) -> list[str]:
    result = cluster.run("alerts", "--no-follow", "--from-beginning", "--json")
    assert result.returncode == 0, result.stderr
    return sorted(Alert.model_validate_json(line).id for line in result.stdout.splitlines())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_replayed_articles_upsert_and_republish_the_same_alert_ids(cluster, database_url, tmp_path):
    worker = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                           workdir=tmp_path).start()
    try:
        worker.ready()
        stamp = int(time.time() * 1000) - 60_000  # a minute ago: inside `--since 1h`, never in the future
        producer = cluster.producer()
        for article in ARTICLES:
            producer.send(cluster.topic("articles"), key=article.id.encode(),
                          value=article.model_dump_json().encode(), timestamp_ms=stamp)
        producer.flush()
        producer.close()
        wait_for("the first run's rows", lambda: db_count(database_url, "articles") == len(ARTICLES), 120,
                 worker.log_tail)
        asserted = db_count(database_url, "events WHERE certainty = 'asserted'")
        assert asserted >= 1, "the sanction article must raise an alert"
        wait_for("the first run's alerts", lambda: len(alert_ids(cluster)) == asserted, 60, worker.log_tail)
        first = alert_ids(cluster)
        rows = {t: db_count(database_url, t) for t in ("articles", "events")}
        persisted = worker.metric("newsmon_articles_persisted_total")

        result = cluster.run("replay", "--since", "1h")
        assert result.returncode == 0, result.stderr
        assert f"replayed {len(ARTICLES)} record(s)" in result.stdout

        wait_for("the replayed alerts", lambda: len(alert_ids(cluster)) == 2 * len(first), 120,
                 worker.log_tail)
        assert alert_ids(cluster) == sorted(first * 2)  # every alert id again, and no new one
        wait_for("the replayed articles persisted", lambda: worker.metric(
            "newsmon_articles_persisted_total") == persisted + len(ARTICLES), 60, worker.log_tail)
        assert {t: db_count(database_url, t) for t in ("articles", "events")} == rows  # upserted, not added
    finally:
        worker.stop(signal.SIGTERM)
