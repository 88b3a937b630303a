"""A real `newsmon worker` process against the real broker and database: articles in, rows and alerts out,
malformed records in the dead-letter topic, and no loss or duplication across a crash or two workers."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from schemas import Alert, DeadLetter, alert_id_for, article_id_for
from tests.support.kafka import TcpProxy, lag, produce, read_topic
from tests.support.pipeline import MAX_TEXT_BYTES, article_ids, bulk_articles, db_rows, publish, sample_articles
from tests.support.workers import WorkerProcess, wait_for

BAD_RECORDS = {
    "not_json": b"{this is not json",
    "invalid_utf8": b'{"id": "bad-utf8", "text": "\xff\xfe"}',
    "empty_text": json.dumps({"id": "bad-empty", "text": "   \n "}).encode(),
    "wrong_schema": json.dumps({"id": "bad-schema", "body": "text under the wrong key"}).encode(),
    "oversize": json.dumps({"id": "bad-big", "text": "word " * (MAX_TEXT_BYTES // 4)}).encode(),
}


def test_articles_become_rows_alerts_and_dead_letters(make_worker, kafka_bootstrap, unique_prefix,
                                                      database_url):
    worker = make_worker(database_url)
    worker.ready()
    articles = sample_articles()
    topic = f"{unique_prefix}news.articles"
    # Good and bad records interleaved on the same topic: the bad ones must not stop the good ones.
    records = []
    for i, article in enumerate(articles):
        records.append((article.id.encode(), article.model_dump_json().encode()))
        if i < len(BAD_RECORDS):
            reason = list(BAD_RECORDS)[i]
            records.append((f"bad-{reason}".encode(), BAD_RECORDS[reason]))
    produce(kafka_bootstrap, topic, records)

    ids = {a.id for a in articles}
    wait_for("every good article in the database", lambda: article_ids(database_url) == ids, 120,
             worker.log_tail)

    # Dead letters: one per malformed record, with its reason, origin and exact bytes.
    letters = [DeadLetter.model_validate_json(r.value)
               for r in read_topic(kafka_bootstrap, f"{unique_prefix}news.deadletter", len(BAD_RECORDS))]
    by_reason = {letter.reason: letter for letter in letters}
    assert sorted(by_reason) == sorted(BAD_RECORDS) and len(letters) == len(BAD_RECORDS)
    for reason, letter in by_reason.items():
        assert letter.original == BAD_RECORDS[reason]
        assert letter.topic == topic and letter.offset is not None and letter.key == f"bad-{reason}"

    # Alerts: one per asserted event stored in the database, on the topic of its type, keyed by alert id.
    asserted = {(eid, etype) for eid, etype in db_rows(
        database_url, "SELECT id, type FROM events WHERE certainty = 'asserted'")}
    assert {t for _, t in asserted} == {"sanction", "diplomacy"}, "the samples carry events of both types"
    alerts = []
    for etype, name in (("sanction", "alerts.sanctions"), ("diplomacy", "alerts.diplomacy")):
        expected = sum(1 for _, t in asserted if t == etype)
        for record in read_topic(kafka_bootstrap, f"{unique_prefix}{name}", expected):
            alert = Alert.model_validate_json(record.value)
            assert alert.event.type == etype and alert.event.certainty == "asserted"
            assert record.key.decode() == alert.id == alert_id_for(alert.event.id)
            assert alert.event.article_id in ids
            alerts.append(alert)
    assert {a.event.id for a in alerts} == {eid for eid, _ in asserted}
    no_event = {r[0] for r in db_rows(database_url, "SELECT id FROM articles WHERE id NOT IN "
                                                     "(SELECT article_id FROM events)")}
    assert no_event, "the samples include articles without events; they are stored all the same"

    # Offsets are committed once the work is done (Faust commits acked offsets every few seconds).
    group = f"{unique_prefix}newsmon"
    for name in ("news.articles", "news.enriched"):
        wait_for(f"{name} offsets committed",
                 lambda n=name: lag(kafka_bootstrap, group, f"{unique_prefix}{n}") == 0, 30, worker.log_tail)

    # The worker counted what it did.
    assert worker.metric("newsmon_articles_persisted_total") == len(articles)
    assert worker.metric("newsmon_deadletters_total") == len(BAD_RECORDS)
    assert worker.metric("newsmon_alerts_published_total") == len(alerts)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sigkill_mid_stream_then_restart_stores_every_article_once(make_worker, kafka_bootstrap,
                                                                   unique_prefix, database_url):
    articles = bulk_articles(300)
    first = make_worker(database_url)
    first.ready()
    publish(kafka_bootstrap, f"{unique_prefix}news.articles", articles)
    wait_for("some articles stored before the crash", lambda: len(article_ids(database_url)) >= 30, 120,
             first.log_tail)
    first.stop(signal.SIGKILL)
    stored_at_crash = len(article_ids(database_url))

    second = make_worker(database_url)
    wait_for("all 300 articles after the restart", lambda: len(article_ids(database_url)) == 300, 240,
             second.log_tail)
    assert article_ids(database_url) == {a.id for a in articles}
    assert stored_at_crash < 300, "the crash came mid-stream"
    # Re-delivered records are upserts: one event row per content-derived event id, none lost.
    (n_events, n_distinct), = db_rows(database_url, "SELECT COUNT(*), COUNT(DISTINCT id) FROM events")
    assert n_events == n_distinct
    sanctioned = {r[0] for r in db_rows(database_url, "SELECT DISTINCT article_id FROM events "
                                                      "WHERE type = 'sanction'")}
    assert sanctioned >= {f"bulk-{i:04d}" for i in (0, 3)}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_in_one_group_store_each_article_once(make_worker, kafka_bootstrap, unique_prefix,
                                                           database_url):
    articles = bulk_articles(300)
    pair = make_worker(database_url, "--workers", "2")
    ports = (pair.port, pair.port + 1)
    for port in ports:
        wait_for(f"worker on port {port}", lambda p=port: _assigned(pair, p), 150, pair.log_tail)
    publish(kafka_bootstrap, f"{unique_prefix}news.articles", articles)
    wait_for("all 300 articles", lambda: len(article_ids(database_url)) == 300, 240, pair.log_tail)
    assert article_ids(database_url) == {a.id for a in articles}
    consumed = [pair.metric("newsmon_articles_consumed_total", p) for p in ports]
    assert all(c > 0 for c in consumed), f"both workers took a share of the partitions: {consumed}"
    assert sum(consumed) >= 300


def _assigned(worker: WorkerProcess, port: int) -> bool:
    try:
        _, body = worker.get("/health", port)
    except OSError:
        return False
    return bool(json.loads(body)["assigned_partitions"])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_outage_is_waited_out_without_losing_articles(make_worker, kafka_bootstrap, unique_prefix,
                                                               database_url):
    url = sa.engine.make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        worker = make_worker(via_proxy)
        worker.ready()
        articles = bulk_articles(40)
        topic = f"{unique_prefix}news.articles"
        publish(kafka_bootstrap, topic, articles[:20])
        wait_for("the first 20 rows", lambda: len(article_ids(database_url)) == 20, 120, worker.log_tail)

        proxy.cut()
        publish(kafka_bootstrap, topic, articles[20:])
        wait_for("the worker to retry the database",
                 lambda: worker.metric("newsmon_db_retries_total") >= 2, 120, worker.log_tail)
        wait_for("enrichment to go on meanwhile",
                 lambda: worker.metric("newsmon_articles_enriched_total") == 40, 120, worker.log_tail)
        assert len(article_ids(database_url)) == 20  # nothing written while the database is away

        proxy.restore()
        wait_for("all 40 rows after the outage", lambda: len(article_ids(database_url)) == 40, 120,
                 worker.log_tail)
        assert worker.metric("newsmon_articles_persisted_total") == 40
        assert worker.metric("newsmon_deadletters_total") == 0
    finally:
        proxy.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_stopping_during_a_database_outage_commits_nothing_unwritten(make_worker, kafka_bootstrap,
                                                                     unique_prefix, database_url):
    url = sa.engine.make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        first = make_worker(via_proxy)
        first.ready()  # the schema exists: the worker upgrades the database before it serves /health
        articles = bulk_articles(30)
        proxy.cut()
        publish(kafka_bootstrap, f"{unique_prefix}news.articles", articles)
        wait_for("the worker to retry the database",
                 lambda: first.metric("newsmon_db_retries_total") >= 2, 120, first.log_tail)
        # A graceful stop mid-outage: it must not wait for the database, nor commit the unwritten batch.
        assert first.stop(signal.SIGTERM, timeout=45) != -signal.SIGKILL, "the stop hung on the outage"
        assert article_ids(database_url) == set()
        assert lag(kafka_bootstrap, f"{unique_prefix}newsmon", f"{unique_prefix}news.enriched") == 30

        proxy.restore()
        second = make_worker(via_proxy)
        wait_for("all 30 rows from the restarted worker",
                 lambda: len(article_ids(database_url)) == 30, 180, second.log_tail)
    finally:
        proxy.close()


def _post(worker: WorkerProcess, body: bytes, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{worker.port}/articles", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_http_ingest_needs_the_token_validates_and_publishes(kafka_bootstrap, unique_prefix, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'ingest.db'}"
    worker = WorkerProcess(bootstrap=kafka_bootstrap, prefix=unique_prefix, database_url=database_url,
                           workdir=tmp_path, extra_env={"NEWSMON_INGEST_TOKEN": "s3cret"}).start()
    try:
        worker.ready()
        good = [{"text": "Finland and Estonia signed an agreement on undersea cables in Tallinn on Monday.",
                 "url": "https://example.org/n/fi-ee"},
                {"id": "given-1", "text": "Norway expelled a Russian diplomat on Friday."}]
        assert _post(worker, json.dumps(good).encode())[0] == 401
        assert _post(worker, json.dumps(good).encode(), token="wrong")[0] == 401
        status, answer = _post(worker, json.dumps([*good, {"title": "no text"}]).encode(), token="s3cret")
        assert status == 400 and answer["details"][0]["index"] == 2  # nothing published from a bad body
        status, answer = _post(worker, json.dumps(good).encode(), token="s3cret")
        assert status == 202
        assert answer["ids"] == [article_id_for(url="https://example.org/n/fi-ee"), "given-1"]
        wait_for("the posted articles in the database",
                 lambda: article_ids(database_url) == set(answer["ids"]), 120, worker.log_tail)
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/metrics", timeout=5) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=")  # Prometheus text format
            assert b"newsmon_articles_persisted_total 2.0" in resp.read()
    finally:
        worker.stop()
