"""The README's subscriber session, end to end, as a user runs it: a worker process, then `newsmon publish`,
`newsmon db stats`, `newsmon alerts`, `newsmon replay` and `newsmon status` as subprocesses, against the real
broker and PostgreSQL. The events the pipeline stores are exactly the ones `newsmon analyze` finds in the
same texts; a replay changes no count and publishes no alert again, `replay --realert` republishes the same
alert ids, and `newsmon alerts` prints each alert once all the same."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from schemas import Alert, alert_id_for
from tests.support.checks import alert_ids as alert_records
from tests.support.cluster import Cluster
from tests.support.workers import NEWSMON, WorkerProcess, wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "streams" / "samples" / "articles.jsonl"


def _json(result) -> object:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


def _stats(cluster: Cluster, database_url: str) -> dict:
    env = dict(cluster.env, NEWSMON_DATABASE_URL=database_url)
    return _json(subprocess.run([NEWSMON, "db", "stats", "--json"], env=env, capture_output=True, text=True,
                                timeout=120))


def _alert_ids(cluster: Cluster) -> list[str]:
    result = cluster.run("alerts", "--from-beginning", "--no-follow", "--json")
    assert result.returncode == 0, result.stderr
    return [Alert.model_validate_json(line).id for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_publish_watch_replay_session(cluster, database_url, tmp_path):
    n_samples = sum(1 for line in SAMPLES.read_text().splitlines() if line.strip())

    expected = {}  # event id -> certainty, from the same texts without broker or database
    analyzed = cluster.run("analyze", "--jsonl", str(SAMPLES))
    assert analyzed.returncode == 0, analyzed.stderr
    for line in analyzed.stdout.splitlines():
        for event in json.loads(line)["events"]:
            expected[event["id"]] = event["certainty"]
    expected_alerts = sorted(e for e, c in expected.items() if c == "asserted")
    assert expected_alerts, "the sample articles must contain asserted events"

    worker = WorkerProcess(bootstrap=cluster.bootstrap, prefix=cluster.prefix, database_url=database_url,
                           workdir=tmp_path).start()
    try:
        worker.ready()
        published = cluster.run("publish", str(SAMPLES))
        assert published.returncode == 0, published.stderr
        assert f"published {n_samples}" in published.stdout

        wait_for("every sample stored", lambda: _stats(cluster, database_url)["articles"] == n_samples, 180,
                 worker.log_tail)
        first = _stats(cluster, database_url)
        assert first["events"]["total"] == len(expected)
        wait_for("every alert published", lambda: len(_alert_ids(cluster)) >= len(expected_alerts), 60,
                 worker.log_tail)
        first_alerts = _alert_ids(cluster)
        assert sorted(first_alerts) == sorted(alert_id_for(e) for e in expected_alerts)

        status = _json(cluster.run("status", "--json", "--url", f"http://127.0.0.1:{worker.port}/metrics"))
        assert status, "newsmon status must report the running worker"

        on_topics = alert_records(cluster.bootstrap, cluster.prefix)
        assert set(on_topics) == set(first_alerts) and set(on_topics.values()) == {1}
        # Replay the window twice, the second time with --realert: each run upserts; only --realert alerts again.
        for run, args, copies in ((2, (), 1), (3, ("--realert",), 2)):
            replayed = cluster.run("replay", "--since", "1h", "--until", "now", *args)
            assert replayed.returncode == 0, replayed.stderr
            wait_for(f"replay {run - 1}: articles persisted again",
                     lambda run=run: worker.metric("newsmon_articles_persisted_total") >= run * n_samples, 180,
                     worker.log_tail)
            wait_for(f"replay {run - 1}: handled and committed", cluster.drained, 120, worker.log_tail)

            assert _stats(cluster, database_url) == first, "a replay must upsert, never add rows"
            again = alert_records(cluster.bootstrap, cluster.prefix)
            assert set(again) == set(first_alerts), "a replay publishes the same alert ids, and no other"
            assert set(again.values()) == {copies}
            assert sorted(_alert_ids(cluster)) == sorted(first_alerts)  # printed once each, repeats dropped
    finally:
        worker.stop()
