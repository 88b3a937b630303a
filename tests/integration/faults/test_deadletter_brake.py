"""The dead-letter brake on the real broker: a release that fails every article stops after share x window dead
letters with exit code 71, says why in its log and on /metrics, and leaves the input offsets behind the articles
it did not finish, so the fixed release that follows reads them again and stores them."""

from __future__ import annotations

import signal

import pytest

from streams.worker.brake import EXIT_DEADLETTER_BRAKE
from tests.support.kafka import lag
from tests.support.pipeline import article_ids, bulk_articles, publish
from tests.support.workers import ROOT, WorkerProcess, wait_for

ARTICLES = bulk_articles(60)
WINDOW, SHARE = 20, 0.5
LIMIT = int(WINDOW * SHARE)  # dead letters a run may send before the brake stops it
FAULTY_RELEASE = {"PYTHONPATH": str(ROOT / "tests" / "support" / "faulty_release"), "NEWSMON_NLP_EXECUTOR": "thread",
                  "NEWSMON_DEADLETTER_BRAKE_WINDOW": str(WINDOW), "NEWSMON_DEADLETTER_BRAKE_SHARE": str(SHARE),
                  "NEWSMON_DEADLETTER_BRAKE_HOLD_S": "20"}


def engaged(worker: WorkerProcess) -> bool:
    try:
        return worker.metric("newsmon_deadletter_brake_engaged") == 1
    except OSError:  # not serving yet
        return False


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_release_failing_every_article_stops_without_committing_them(cluster, database_url, tmp_path):
    faulty = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                           workdir=tmp_path, label="faulty", extra_env=FAULTY_RELEASE).start()
    try:
        faulty.ready()
        publish(cluster.bootstrap, cluster.topic("articles"), ARTICLES)
        wait_for("the brake's metric", lambda: engaged(faulty), 180, faulty.log_tail)
        assert faulty.samples("newsmon_deadletter_brake_engaged") == {
            'newsmon_deadletter_brake_engaged{agent="enrich"}': 1.0,
            'newsmon_deadletter_brake_engaged{agent="persist"}': 0.0}
        code = wait_for("the faulty worker to exit", faulty.exited, 120, faulty.log_tail)
    finally:
        faulty.stop(signal.SIGKILL)
    assert code == EXIT_DEADLETTER_BRAKE
    log = faulty.log_path.read_text()
    (line,) = [line for line in log.splitlines() if "dead-letter brake:" in line]
    assert f"{LIMIT + 1} of the last {WINDOW} articles" in line and "fix or roll back the release" in line

    letters = cluster.read_all(cluster.topic("deadletter"))
    assert len(letters) == LIMIT  # the letter that tipped the brake was never sent
    behind = lag(cluster.bootstrap, cluster.settings.group_id, cluster.topic("articles"))
    committed = len(ARTICLES) - behind
    assert committed <= LIMIT, "offsets were committed past the articles the brake held back"

    fixed = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                          workdir=tmp_path, label="fixed").start()
    try:
        fixed.ready()
        wait_for("the fixed release to store what the faulty one left", lambda: len(
            article_ids(database_url)) >= behind, 300, fixed.log_tail)
        wait_for("the fixed release to commit", lambda: lag(
            cluster.bootstrap, cluster.settings.group_id, cluster.topic("articles")) == 0, 120, fixed.log_tail)
        assert len(article_ids(database_url)) == behind  # exactly the uncommitted ones were read again
        assert fixed.metric("newsmon_deadletter_brake_engaged") == 0
    finally:
        fixed.stop(signal.SIGTERM)
