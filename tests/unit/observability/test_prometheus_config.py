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
