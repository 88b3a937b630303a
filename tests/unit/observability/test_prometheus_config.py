"""The Prometheus side: configs and rules pass promtool, the alert rules behave (promtool test rules),
and they select only metrics the worker exports."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.support.deploy import PROMETHEUS_DIR, binary
from tests.support.metric_names import exported_series_names, metric_names_in

CONFIGS = ("prometheus.yml", "prometheus-compose.yml")
RULES = PROMETHEUS_DIR / "rules" / "newsmon.yml"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("promtool"), *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True,
                          timeout=120)


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


@pytest.mark.parametrize("config", CONFIGS)
def test_promtool_check_config_passes(config):
    result = promtool("check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout + result.stderr  # the rules glob resolves from either file


def test_promtool_check_rules_passes():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_fire_on_bad_series_and_stay_quiet_on_healthy_ones():
    result = promtool("test", "rules", "tests/newsmon_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test():
    tests = yaml.safe_load((PROMETHEUS_DIR / "tests" / "newsmon_test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
              if case.get("exp_alerts")}
    assert {rule["alert"] for rule in alert_rules()} == tested


def test_alerts_cover_down_lag_deadletters_latency_and_database():
    exprs = {rule["alert"]: rule["expr"] for rule in alert_rules()}
    joined = " ".join(exprs.values())
    assert 'up{job="newsmon-worker"}' in joined
    for metric in ("newsmon_consumer_lag_messages", "newsmon_deadletters_total",
                   "newsmon_end_to_end_seconds_bucket", "newsmon_db_retries_total"):
        assert metric in joined, f"no alert on {metric}"
    for rule in alert_rules():
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_rules_select_only_exported_metrics():
    exported = exported_series_names()
    for rule in alert_rules():
        unknown = metric_names_in(rule["expr"]) - exported
        assert not unknown, f"{rule['alert']} selects {unknown}, which streams/worker/metrics.py does not export"


def _without_targets(config: dict) -> dict:
    for job in config["scrape_configs"]:
        job.pop("static_configs", None)
    return config


def test_local_and_compose_configs_differ_only_in_targets():
    local, compose = (yaml.safe_load((PROMETHEUS_DIR / name).read_text()) for name in CONFIGS)
    worker = {job["job_name"]: job for job in local["scrape_configs"]}["newsmon-worker"]
    assert worker["static_configs"][0]["targets"] == ["127.0.0.1:6066"]
    compose_worker = {job["job_name"]: job for job in compose["scrape_configs"]}["newsmon-worker"]
    assert compose_worker["static_configs"][0]["targets"] == ["worker:6066"]
    assert _without_targets(local) == _without_targets(compose)


def _generated_config(tmp_path, **env: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "PROMETHEUS_"))}
    result = subprocess.run(["bash", str(PROMETHEUS_DIR.parent / "local" / "prometheus.sh"), "config"],
                            env={**base, "PROMETHEUS_DATA_DIR": str(tmp_path), **env}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((tmp_path / "prometheus.yml").read_text()), result


@pytest.mark.parametrize(("env", "workers", "itself", "feeds"), [
    ({}, ["127.0.0.1:6066"], "127.0.0.1:9090", "127.0.0.1:6067"),
    ({"NEWSMON_WEB_PORT": "23166", "PROMETHEUS_PORT": "23190", "NEWSMON_FEEDS_METRICS_PORT": "23167"},
     ["127.0.0.1:23166"], "127.0.0.1:23190", "127.0.0.1:23167"),
    ({"NEWSMON_WEB_HOST": "0.0.0.0", "NEWSMON_WEB_PORT": "7001"}, ["127.0.0.1:7001"], "127.0.0.1:9090",
     "127.0.0.1:6067"),
    ({"PROMETHEUS_WORKER_TARGETS": "127.0.0.1:7001,127.0.0.1:7002", "PROMETHEUS_HOST": "127.0.0.2"},
     ["127.0.0.1:7001", "127.0.0.1:7002"], "127.0.0.2:9090", "127.0.0.1:6067"),
])
def test_the_launchers_config_scrapes_the_ports_the_settings_give(tmp_path, env, workers, itself, feeds):
    generated, result = _generated_config(tmp_path, **env)
    assert result.stdout.strip() == str(tmp_path / "prometheus.yml")
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in generated["scrape_configs"]}
    assert targets == {"newsmon-worker": workers, "prometheus": [itself], "newsmon-feeds": [feeds]}
    assert generated["rule_files"] == [str(PROMETHEUS_DIR / "rules" / "*.yml")]  # found from .run/ too
    template = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    assert _without_targets(generated) | {"rule_files": None} == _without_targets(template) | {"rule_files": None}
    check = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1 rule files found" in check.stdout + check.stderr


@pytest.mark.parametrize(("env", "metrics", "prometheus"), [
    ({}, "http://127.0.0.1:6066/metrics", "http://127.0.0.1:9090"),
    ({"NEWSMON_WEB_PORT": "23166", "PROMETHEUS_PORT": "23190"}, "http://127.0.0.1:23166/metrics",
     "http://127.0.0.1:23190"),
])
def test_the_demo_prints_the_urls_of_the_configured_ports(env, metrics, prometheus):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "PROMETHEUS_"))}
    result = subprocess.run(["bash", str(PROMETHEUS_DIR.parent / "local" / "demo.sh"), "urls"],
                            env={**base, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Metrics:   {metrics}   (Prometheus: make up-prometheus, then {prometheus})"
