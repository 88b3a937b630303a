"""`deploy/local/prometheus.sh start`, as `make up-prometheus` runs it, scrapes the worker on NEWSMON_WEB_PORT,
the feeds poller on NEWSMON_FEEDS_METRICS_PORT and itself on PROMETHEUS_PORT, whatever ports those are, with the
project's alert rules loaded."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.prometheus import PROMETHEUS_SH, http_get
from tests.support.workers import free_port, wait_for


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_prometheus_from_the_launcher_scrapes_the_worker_on_its_configured_port(make_worker, database_url,
                                                                                tmp_path):
    worker = make_worker(database_url)
    worker.ready()
    port, feeds_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "PROMETHEUS_"))}
    env.update(NEWSMON_WEB_PORT=str(worker.port), PROMETHEUS_PORT=str(port), NEWSMON_FEEDS_METRICS_PORT=str(feeds_port),
               PROMETHEUS_DATA_DIR=str(tmp_path / "prometheus"))
    started = subprocess.run(["bash", str(PROMETHEUS_SH), "start"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"ready on http://127.0.0.1:{port}" in started.stdout
    try:
        def targets() -> dict[str, dict]:
            answer = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/targets"))
            return {t["labels"]["job"]: t for t in answer["data"]["activeTargets"]}

        def both_up() -> dict[str, dict] | None:  # no feeds poller runs here: its target is listed, not up
            found = targets()
            up = {job for job, t in found.items() if t.get("health") == "up"}
            return found if up == {"newsmon-worker", "prometheus"} and len(found) == 3 else None

        found = wait_for("Prometheus to scrape the worker and itself", both_up, 90,
                         lambda: json.dumps(targets(), indent=1))
        assert found["newsmon-worker"]["scrapeUrl"] == f"http://127.0.0.1:{worker.port}/metrics"
        assert found["prometheus"]["scrapeUrl"] == f"http://127.0.0.1:{port}/metrics"
        assert found["newsmon-feeds"]["scrapeUrl"] == f"http://127.0.0.1:{feeds_port}/metrics"
        rules = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/rules"))["data"]["groups"]
        assert rules and all(group["rules"] for group in rules), "the project's alert rules are loaded"
    finally:
        subprocess.run(["bash", str(PROMETHEUS_SH), "stop"], env=env, capture_output=True, timeout=60)
