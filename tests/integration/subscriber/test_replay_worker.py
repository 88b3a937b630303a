"""The promise of `newsmon replay`, with a real worker: replayed articles are processed again beside live
traffic and come out with the ids of the first run, so the database holds each row once; the alert topics get
no new record unless an event changed (new rules) or the replay asks for it (`--realert`).

NEWSMON_TEST_REPLAY_ARTICLES sets how many articles go round besides the one whose event new rules change
(default 300, as issue 13 asks)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter

import pytest

from processors.rules import _read as read_shipped_rules
from schemas import Article
from schemas.ids import alert_id_for
from tests.support.checks import alert_ids
from tests.support.pipeline import bulk_articles, db_rows
from tests.support.workers import WorkerProcess, wait_for

# An actor the shipped gazetteer does not know: new rules that name it change this article's event only.
UNKNOWN_ACTOR = Article(id="rp-freedonia", title="Freedonia acts",
                        text="Freedonia imposed sanctions on Russia's largest state bank on Monday, officials said.")
ARTICLES = [*bulk_articles(int(os.environ.get("NEWSMON_TEST_REPLAY_ARTICLES", "300"))), UNKNOWN_ACTOR]


def db_count(database_url: str, rows: str) -> int:
    """SELECT count(*) FROM <rows>, e.g. "events WHERE certainty = 'asserted'"; -1 before the tables exist."""
    found = db_rows(database_url, f"SELECT count(*) FROM {rows}")
    return found[0][0] if found else -1


def replay(cluster, worker, *args: str) -> None:
    persisted = worker.metric("newsmon_articles_persisted_total")
    result = cluster.run("replay", "--since", "1h", *args)
    assert result.returncode == 0, result.stderr
    assert f"replayed {len(ARTICLES)} record(s)" in result.stdout
    wait_for("the replayed articles persisted", lambda: worker.metric(
        "newsmon_articles_persisted_total") >= persisted + len(ARTICLES), 300, worker.log_tail)
    wait_for("the replay handled and committed", cluster.drained, 120, worker.log_tail)


def changed_rules(folder) -> str:
    gazetteer = json.loads(read_shipped_rules("gazetteer.json"))
    gazetteer["country_aliases"]["freedonia"] = "FRE"
    folder.mkdir()
    (folder / "gazetteer.json").write_text(json.dumps(gazetteer))
    return str(folder)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_replay_alerts_only_what_changed_unless_realert(cluster, database_url, tmp_path):
    worker = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                           workdir=tmp_path, label="first").start()
    try:
        worker.ready()
        stamp = int(time.time() * 1000) - 60_000  # a minute ago: inside `--since 1h`, never in the future
        producer = cluster.producer()
        for article in ARTICLES:
            producer.send(cluster.topic("articles"), key=article.id.encode(),
                          value=article.model_dump_json().encode(), timestamp_ms=stamp)
        producer.flush()
        producer.close()
        wait_for("the first run's rows", lambda: db_count(database_url, "articles") == len(ARTICLES), 300,
                 worker.log_tail)
        wait_for("the first run handled and committed", cluster.drained, 120, worker.log_tail)
        asserted = db_count(database_url, "events WHERE certainty = 'asserted'")
        assert asserted >= len(ARTICLES) // 3, "every third article carries a clear sanction event"
        first = alert_ids(cluster.bootstrap, cluster.prefix)
        assert len(first) == asserted and set(first.values()) == {1}  # one record per asserted event
        rows = {t: db_count(database_url, t) for t in ("articles", "events")}

        replay(cluster, worker)
        assert alert_ids(cluster.bootstrap, cluster.prefix) == first  # nothing changed: no new alert record
        assert {t: db_count(database_url, t) for t in ("articles", "events")} == rows  # upserted, not added

        replay(cluster, worker, "--realert")
        assert alert_ids(cluster.bootstrap, cluster.prefix) == first + first  # every alert once more
        before_rules = first + first
        shipped = {r[0] for r in db_rows(database_url, "SELECT DISTINCT rules_version FROM events")}
    finally:
        worker.stop(signal.SIGTERM)

    # The same group under new rules (NEWSMON_RULES_DIR): only the article whose event they code differently
    # alerts again; every other event is stored under the new rules version without a new alert record.
    of_unknown = f"SELECT id FROM events WHERE article_id = '{UNKNOWN_ACTOR.id}'"
    (old_event,) = [r[0] for r in db_rows(database_url, of_unknown)]
    worker = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                           workdir=tmp_path, label="new-rules",
                           extra_env={"NEWSMON_RULES_DIR": changed_rules(tmp_path / "rules")}).start()
    try:
        worker.ready()
        replay(cluster, worker)
        (new_event,) = [r[0] for r in db_rows(database_url, of_unknown)]
        assert new_event != old_event  # the actor is known now: another event id
        added = alert_ids(cluster.bootstrap, cluster.prefix) - before_rules
        assert added == Counter({alert_id_for(new_event): 1})
        versions = {r[0] for r in db_rows(database_url, "SELECT DISTINCT rules_version FROM events")}
        assert len(versions) == 1 and versions != shipped  # every event re-coded under the new rules
    finally:
        worker.stop(signal.SIGTERM)
