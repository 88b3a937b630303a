"""`newsmon status`: figures computed from two scrapes of a real /metrics endpoint, and clear failures."""

from __future__ import annotations

import json
import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from prometheus_client import CollectorRegistry, make_wsgi_app
from typer.testing import CliRunner

from streams.cli.health import compute, metrics_url, parse, quantile
from streams.cli.main import app, register_all
from streams.worker.metrics import Metrics

register_all()
runner = CliRunner()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def worker_metrics():
    """A worker's metric catalogue served over HTTP on a free local port, as the worker's /metrics does."""
    metrics = Metrics.create(CollectorRegistry())
    metrics.build_info.info({"version": "9.9.9", "model": "some_model", "rules_version": "rules.v7"})
    server = make_server("127.0.0.1", 0, make_wsgi_app(metrics.registry), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield metrics, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quantile_interpolates_like_histogram_quantile():
    # 10 observations: 4 under 0.1 s, 6 between 0.1 and 1 s.
    buckets = {0.1: 4, 1.0: 10, float("inf"): 10}
    assert quantile(0.5, buckets) == pytest.approx(0.1 + 0.9 * (5 - 4) / 6)
    assert quantile(0.95, buckets) == pytest.approx(0.1 + 0.9 * (9.5 - 4) / 6)
    assert quantile(0.95, {0.1: 0, float("inf"): 0}) is None  # nothing observed: no figure, not zero
    assert quantile(0.99, {1.0: 1, float("inf"): 5}) == 1.0  # in +Inf: the highest finite bound


def test_rates_percentiles_lag_and_events_from_two_scrapes():
    before = parse("""
# TYPE newsmon_articles_consumed counter
newsmon_articles_consumed_total 100
# TYPE newsmon_events_detected counter
newsmon_events_detected_total{type="sanction",subtype="impose",certainty="asserted"} 4
# TYPE newsmon_stage_seconds histogram
newsmon_stage_seconds_bucket{stage="nlp",le="0.5"} 10
newsmon_stage_seconds_bucket{stage="nlp",le="1.0"} 10
newsmon_stage_seconds_bucket{stage="nlp",le="+Inf"} 10
newsmon_stage_seconds_count{stage="nlp"} 10
newsmon_stage_seconds_sum{stage="nlp"} 2
""", url="w1", at=0.0)
    after = parse("""
# TYPE newsmon_articles_consumed counter
newsmon_articles_consumed_total 150
# TYPE newsmon_events_detected counter
newsmon_events_detected_total{type="sanction",subtype="impose",certainty="asserted"} 6
newsmon_events_detected_total{type="diplomacy",subtype="visit",certainty="asserted"} 1
# TYPE newsmon_stage_seconds histogram
newsmon_stage_seconds_bucket{stage="nlp",le="0.5"} 10
newsmon_stage_seconds_bucket{stage="nlp",le="1.0"} 20
newsmon_stage_seconds_bucket{stage="nlp",le="+Inf"} 20
newsmon_stage_seconds_count{stage="nlp"} 20
newsmon_stage_seconds_sum{stage="nlp"} 9
# TYPE newsmon_consumer_lag_messages gauge
newsmon_consumer_lag_messages{topic="p.news.articles",partition="3"} 42
# TYPE newsmon_consumer_lag_seconds gauge
newsmon_consumer_lag_seconds{topic="p.news.articles",partition="3"} 7.5
""", url="w1", at=5.0)
    h = compute([(before, after)])
    assert h.window_s == 5.0
    assert h.articles_per_s["consumed"] == 10.0
    assert h.events_per_min == {"diplomacy": 12.0, "sanction": 24.0}
    assert h.events_total == {"sanction": 6.0, "diplomacy": 1.0}
    # Only this window's 10 observations count, all between 0.5 and 1 s (the earlier 10 were under 0.5 s).
    assert h.stage_p95_s["nlp"] == pytest.approx(0.5 + 0.5 * 9.5 / 10, abs=1e-4)
    assert h.stage_p95_s["decode"] is None
    lag = [(p.topic, p.partition, p.messages, p.seconds) for p in h.lag]
    assert lag == [("p.news.articles", "3", 42, 7.5)]


def test_counter_reset_between_scrapes_is_not_a_negative_rate():
    before = parse("# TYPE newsmon_articles_consumed counter\nnewsmon_articles_consumed_total 500\n", at=0.0)
    after = parse("# TYPE newsmon_articles_consumed counter\nnewsmon_articles_consumed_total 3\n", at=1.0)
    assert compute([(before, after)]).articles_per_s["consumed"] == 0.0


def test_metrics_url_accepts_host_port_and_full_urls():
    assert metrics_url("127.0.0.1:6066") == "http://127.0.0.1:6066/metrics"
    assert metrics_url("http://w1:6066/") == "http://w1:6066/metrics"
    assert metrics_url("http://w1:6066/custom") == "http://w1:6066/custom"
    with pytest.raises(ValueError):
        metrics_url("http://")


def test_status_json_reads_a_live_metrics_endpoint(worker_metrics):
    metrics, url = worker_metrics
    metrics.articles_consumed.inc(5)
    metrics.deadletters.labels("not_json").inc(2)
    metrics.consumer_lag_messages.labels("x.news.articles", "0").set(11)

    def traffic():  # articles arriving between the two scrapes
        metrics.articles_consumed.inc(30)
        metrics.events_detected.labels("sanction", "impose", "asserted").inc(3)
        metrics.end_to_end_seconds.labels("persisted").observe(0.3)

    timer = threading.Timer(0.3, traffic)
    timer.start()
    result = runner.invoke(app, ["status", "--url", url, "--interval", "1", "--json"])
    timer.join()
    assert result.exit_code == 0, result.output
    h = json.loads(result.output)
    assert h["workers"][0]["up"] is True and h["workers"][0]["version"] == "9.9.9"
    assert h["articles_per_s"]["consumed"] == pytest.approx(30 / h["window_s"], rel=0.01)
    assert h["events_total"] == {"sanction": 3.0}
    assert h["deadletters_total"] == {"not_json": 2.0}
    assert h["lag"][0]["messages"] == 11
    assert 0.25 <= h["end_to_end_p95_s"]["persisted"] <= 0.5  # within the bucket holding 0.3 s


def test_top_is_an_alias_and_renders_tables(worker_metrics):
    _, url = worker_metrics
    result = runner.invoke(app, ["top", "--url", url, "--interval", "0.5"])
    assert result.exit_code == 0, result.output
    for heading in ("Workers", "Articles", "Latency p95", "Consumer lag", "Events", "Dead letters"):
        assert heading in result.output
    assert "rules.v7" in result.output


def test_unreachable_worker_is_a_clear_error():
    url = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(app, ["status", "--url", url, "--interval", "0.5"])
    assert result.exit_code == 1
    assert "cannot reach the worker" in result.output and "newsmon worker" in result.output


def test_one_worker_down_among_several_is_shown_not_fatal(worker_metrics):
    _, url = worker_metrics
    down = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(app, ["status", "-u", url, "-u", down, "--interval", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    states = {w["url"]: w["up"] for w in json.loads(result.output)["workers"]}
    assert states == {f"{url}/metrics": True, f"{down}/metrics": False}


def test_without_url_status_reads_the_worker_at_newsmon_web_port(worker_metrics, monkeypatch):
    from streams.settings import get_settings

    _, url = worker_metrics
    monkeypatch.setenv("NEWSMON_WEB_PORT", url.rsplit(":", 1)[1])
    monkeypatch.setenv("NEWSMON_WEB_HOST", "0.0.0.0")  # a worker bound everywhere is read on loopback
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["status", "--interval", "0.5", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert [w["url"] for w in json.loads(result.output)["workers"]] == [f"{url}/metrics"]
    assert json.loads(result.output)["workers"][0]["up"] is True
