"""The dashboards and alerts, checked for real: a `newsmon worker` process on the real broker and its own
PostgreSQL database processes articles we publish, a `newsmon feeds run` process polls a watched directory
into the same topics, a real Prometheus scrapes both every second with the project's rules, and then EVERY
panel query of EVERY dashboard and EVERY alerting rule runs through Prometheus's HTTP API, and EVERY SQL panel
runs on the database the worker's migrations created.

A panel passes only if its query parses and returns at least one finite value: a renamed metric, a wrong
label or a histogram without observations shows up here as an empty or NaN panel.
"""

from __future__ import annotations

import json
import math
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from schemas import Article
from streams.cli.health import scrape
from tests.support.deploy import GRAFANA_DIR, PROMETHEUS_DIR, build_dashboards, grafana_queries
from tests.support.metric_names import metric_names_in
from tests.support.prometheus import Prometheus, prometheus_config, start_prometheus
from tests.support.workers import NEWSMON, WorkerProcess, free_port, wait_for

# Windows wide enough to hold the whole test run, so every rate sees the articles we publish.
PROMQL_VALUES = {"__rate_interval": "5m", "__range": "15m", "__interval": "1m", "instance": ".*"}
SQL_VALUES = {"__interval": "1h", "instance": ".*"}
BOARDS = {p.name: json.loads(p.read_text()) for p in sorted((GRAFANA_DIR / "dashboards").glob("*.json"))}
RULES = [r for g in yaml.safe_load((PROMETHEUS_DIR / "rules" / "newsmon.yml").read_text())["groups"]
         for r in g["rules"] if "alert" in r]

# Articles written for this test: two waves, so every counter and histogram series is seen rising between
# scrapes (a series that first appears already at its final value has no rate).
WAVES = [
    [("Canada imposes sanctions on Belarus",
      "OTTAWA - Canada imposed sanctions on Belarus on Tuesday, freezing the assets of 20 officials and "
      "banning exports of aircraft parts, the foreign ministry said."),
     ("Brazil's president visits Argentina",
      "BUENOS AIRES - Brazil's president visited Argentina on Friday for talks on energy and trade with his "
      "Argentine counterpart."),
     ("Japan warns Myanmar",  # carried out in the next wave: an escalation for the incident panels
      "TOKYO - Japan threatened sanctions against Myanmar last week if the junta keeps blocking aid convoys, "
      "officials said.")],
    [("Australia lifts sanctions on Fiji",
      "CANBERRA - Australia lifted sanctions on Fiji on Thursday, ending travel bans on its military leaders "
      "after elections were held."),
     ("Japan and India sign trade agreement",
      "TOKYO - Japan and India signed a trade agreement on Wednesday after two years of negotiations, the "
      "two governments said in a joint statement."),
     ("Japan sanctions Myanmar generals",
      "TOKYO - Japan imposed sanctions on Myanmar today, freezing the assets of four generals after aid convoys "
      "stayed blocked.")],
]
NOT_JSON = b"this is not an article {"


@dataclass
class Stack:
    worker: WorkerProcess
    prometheus: Prometheus
    database_url: str
    started: datetime
    feeds_port: int = 0


FEED_ARTICLE = {"title": "Uruguay and Paraguay agree on a river treaty", "url": "https://desk.example.net/river",
                "text": "MONTEVIDEO - Uruguay and Paraguay agreed on a treaty over river traffic on Thursday, "
                        "the two foreign ministries said in a joint statement."}


def _start_feeds(workdir: Path, bootstrap: str, prefix: str, database: str, port: int) -> subprocess.Popen:
    """`newsmon feeds run` on a watched directory holding one article, polled every second."""
    import os
    import time

    inbox = workdir / "inbox"
    inbox.mkdir()
    dropped = inbox / "desk.json"
    dropped.write_text(json.dumps(FEED_ARTICLE))
    past = time.time() - 10
    os.utime(dropped, (past, past))
    feeds = workdir / "feeds.yaml"
    feeds.write_text("sources:\n  - {name: inbox, kind: directory, path: inbox, interval: 1}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(NEWSMON_KAFKA_BOOTSTRAP=bootstrap, NEWSMON_TOPIC_PREFIX=prefix, NEWSMON_DATABASE_URL=database,
               NEWSMON_FEEDS_METRICS_PORT=str(port))
    log = (workdir / "feeds.log").open("wb")
    return subprocess.Popen([NEWSMON, "feeds", "run", "-f", str(feeds)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _panel_params(kind: str) -> list:
    out = []
    for name, board in BOARDS.items():
        for panel, target in build_dashboards.iter_queries(board):
            if (kind == "promql") == ("expr" in target):
                out.append(pytest.param(name, panel["title"], target,
                                        id=f"{name}:{panel['title']}:{target['refId']}"))
    return out


def _publish(bootstrap: str, topic: str, wave: list[tuple[str, str]], tag: str) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    now = datetime.now(UTC)
    for title, body in wave:
        article = Article(id=f"obs-{tag}-{uuid.uuid4().hex[:8]}", title=title, text=body,
                          url=f"https://example.org/obs/{uuid.uuid4().hex[:8]}", source="newsmon test",
                          published=now)
        producer.send(topic, key=article.id.encode(), value=article.model_dump_json().encode())
    producer.send(topic, key=b"bad", value=NOT_JSON)  # becomes a dead letter (reason not_json)
    producer.flush(timeout=30)
    producer.close()


def _persisted(worker: WorkerProcess) -> float:
    try:
        return scrape(f"{worker.url}/metrics").total("newsmon_articles_persisted_total")
    except Exception:  # noqa: BLE001 - not up yet counts as nothing persisted
        return 0.0


def _prom_value(prometheus: Prometheus, expr: str) -> float:
    result = prometheus.query(expr).get("data", {}).get("result", [])
    return float(result[0]["value"][1]) if result else -1.0


@pytest.fixture(scope="module")
def database(postgres_url):
    """A fresh PostgreSQL database of this module's own; the worker's migrations create the schema."""
    name = f"t_obs_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def stack(kafka_bootstrap, database, tmp_path_factory):
    """Worker + Prometheus, with two waves of articles processed and scraped."""
    workdir: Path = tmp_path_factory.mktemp("observability")
    # Own topics and consumer group (the same shape as the unique_prefix fixture, at module scope).
    prefix = f"t{uuid.uuid4().hex[:10]}."
    prom_port, feeds_port = free_port(), free_port()
    started = datetime.now(UTC)
    worker = WorkerProcess(bootstrap=kafka_bootstrap, prefix=prefix, database_url=database, workdir=workdir,
                           extra_env={"NEWSMON_WEB_HOST": "127.0.0.1", "NEWSMON_ARTICLES_PARTITIONS": "2"}).start()
    prometheus = None
    feeds = None
    try:
        worker.ready(timeout=240)
        feeds = _start_feeds(workdir, kafka_bootstrap, prefix, database, feeds_port)
        prometheus = start_prometheus(prometheus_config(worker.port, prom_port, feeds_port=feeds_port), workdir,
                                      prom_port)
        wait_for("Prometheus to scrape the worker (up == 1)",
                 lambda: _prom_value(prometheus, 'up{job="newsmon-worker"}') == 1, 60)
        wait_for("Prometheus to scrape the feed poller, its article published",
                 lambda: _prom_value(prometheus, 'sum(newsmon_feed_items_total{job="newsmon-feeds", outcome="new"})')
                 == 1 and _prom_value(prometheus, 'sum(newsmon_feed_fetches_total{job="newsmon-feeds"})') >= 3,
                 60, lambda: (workdir / "feeds.log").read_text(errors="replace")[-3000:])
        topic = f"{prefix}news.articles"
        expected = 0
        for i, wave in enumerate(WAVES):
            _publish(kafka_bootstrap, topic, wave, str(i))
            expected += len(wave)
            wait_for(f"the worker to persist {expected} articles",
                     lambda n=expected: _persisted(worker) >= n,
                     240, worker.log_tail)
            # Five scrapes at that count, so every rate sees it rise, and the lag timer (every 5 s) has run.
            wait_for("Prometheus to scrape the persisted count five times and the consumer lag",
                     lambda n=expected: _prom_value(
                         prometheus, f"sum_over_time((max(newsmon_articles_persisted_total) >= bool {n})[1m:1s])") >= 5
                     and _prom_value(prometheus, "count(newsmon_consumer_lag_seconds)") > 0, 60)
        yield Stack(worker=worker, prometheus=prometheus, database_url=database, started=started,
                    feeds_port=feeds_port)
    finally:
        if prometheus is not None:
            prometheus.stop()
        if feeds is not None:
            feeds.terminate()
            try:
                feeds.wait(timeout=30)
            except subprocess.TimeoutExpired:
                feeds.kill()
        worker.stop()


@pytest.mark.parametrize(("dashboard", "title", "target"), _panel_params("promql"))
def test_every_promql_panel_returns_data(stack, dashboard, title, target):
    expr = grafana_queries.promql(target["expr"], PROMQL_VALUES)
    answer = stack.prometheus.query(expr)
    assert answer.get("status") == "success", \
        f"{dashboard}: {title!r} does not run: {answer.get('error')}\n{expr}"
    result = answer["data"]["result"]
    assert result, f"{dashboard}: {title!r} returned no series\n{expr}"
    values = [float(r["value"][1]) for r in result]
    assert any(math.isfinite(v) for v in values), f"{dashboard}: {title!r} returned only {values}\n{expr}"


def test_dashboard_variables_list_the_worker(stack):
    for name, board in BOARDS.items():
        for var in (v for v in board["templating"]["list"] if v["type"] == "query"):
            selector = var["query"]["query"][len("label_values("):-1].rsplit(",", 1)[0]
            result = stack.prometheus.query(selector)["data"]["result"]
            instances = {r["metric"]["instance"] for r in result}
            assert instances == {stack.worker.url.removeprefix("http://")}, f"{name}: ${var['name']}"


@pytest.mark.parametrize("rule", RULES, ids=[r["alert"] for r in RULES])
def test_every_alert_expression_runs_and_selects_exported_series(stack, rule):
    answer = stack.prometheus.query(rule["expr"])
    assert answer.get("status") == "success", f"{rule['alert']}: {answer.get('error')}"
    for metric in metric_names_in(rule["expr"]) or {"up"}:
        found = stack.prometheus.query(f"count({{__name__=\"{metric}\", job=~\"newsmon-worker|newsmon-feeds\"}})")
        assert found["data"]["result"], f"{rule['alert']} selects {metric}, which neither the worker nor the " \
                                        "feed poller exports"


def test_prometheus_loaded_every_rule_and_evaluates_it_without_error(stack):
    groups = stack.prometheus.api("/api/v1/rules")["data"]["groups"]
    loaded = {r["name"]: r for g in groups for r in g["rules"]}
    assert set(loaded) == {r["alert"] for r in RULES}
    def rules() -> list[dict]:
        return [r for g in stack.prometheus.api("/api/v1/rules")["data"]["groups"] for r in g["rules"]]

    wait_for("every rule to have been evaluated",
             lambda: all(r["health"] != "unknown" for r in rules()), 20)
    for r in rules():
        assert r["health"] == "ok", f"{r['name']}: {r.get('lastError')}"


def test_a_healthy_pipeline_raises_no_alert(stack):
    alerts = stack.prometheus.api("/api/v1/alerts")["data"]["alerts"]
    assert alerts == [], f"alerts active on a healthy pipeline: {alerts}"


@pytest.mark.parametrize(("dashboard", "title", "target"), _panel_params("sql"))
def test_every_sql_panel_runs_on_the_migrated_schema(stack, dashboard, title, target):
    now = datetime.now(UTC)
    sql = grafana_queries.postgres_sql(target["rawSql"], now - timedelta(days=7), now + timedelta(minutes=5),
                                       SQL_VALUES)
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(sql)).fetchall()
    finally:
        engine.dispose()
    assert rows, f"{dashboard}: {title!r} returned no rows from the articles the worker persisted\n{sql}"
    if target["format"] == "time_series":
        assert all(isinstance(r[0], int | float) or hasattr(r[0], "is_finite") for r in rows), rows[:3]


def test_newsmon_status_reads_the_real_worker(stack):
    import os

    env = dict(os.environ, NEWSMON_DATABASE_URL=stack.database_url)
    result = subprocess.run([NEWSMON, "status", "--url", stack.worker.url, "--interval", "1", "--json"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    h = json.loads(result.stdout)
    # The feed poller's sources, worst first, from the database it writes.
    assert [(f["source"], f["consecutive_failures"], f["sent"]) for f in h["feeds"]] == [("inbox", 0, 1)]
    assert h["workers"][0]["up"] is True and h["workers"][0]["model"]
    assert set(h["events_total"]) == {"sanction", "diplomacy"}
    assert h["deadletters_total"].get("not_json") == len(WAVES)
    assert h["lag"], "no lag per partition reported"


def test_a_stopped_worker_is_seen_down(stack):
    """Last: stop the worker; the NewsmonWorkerDown expression turns non-empty, `newsmon status` says so."""
    stack.worker.stop()
    (down_rule,) = [r for r in RULES if r["alert"] == "NewsmonWorkerDown"]
    wait_for("up == 0 for the stopped worker",
             lambda: stack.prometheus.query(down_rule["expr"])["data"]["result"], 30)
    result = subprocess.run([NEWSMON, "status", "--url", stack.worker.url, "--interval", "0.5"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot reach the worker" in result.stderr
