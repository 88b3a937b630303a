"""docs/metrics.md tells the truth: every exported metric and its type, every alert, every panel and query."""

from __future__ import annotations

import re

import yaml

from tests.support.deploy import PROMETHEUS_DIR, ROOT, build_dashboards
from tests.support.metric_names import families

DOC = (ROOT / "docs" / "metrics.md").read_text()


def documented_metrics() -> dict[str, str]:
    rows = re.findall(r"^\| `(newsmon_\w+)` \| (\w+)", DOC, flags=re.M)
    return dict(rows)


def test_every_exported_metric_is_documented_with_its_type():
    documented = documented_metrics()
    for name, kind in families().items():
        assert name in documented, f"{name} is exported but not in docs/metrics.md"
        expected = "gauge" if kind == "info" else kind
        assert documented[name] == expected, f"{name} is a {kind}, docs say {documented[name]}"
    assert set(documented) == set(families()), "docs/metrics.md lists metrics the worker does not export"


def test_every_alert_is_documented():
    groups = yaml.safe_load((PROMETHEUS_DIR / "rules" / "newsmon.yml").read_text())["groups"]
    for rule in (r for g in groups for r in g["rules"] if "alert" in r):
        assert f"`{rule['alert']}`" in DOC


def test_every_panel_and_query_is_documented():
    for board in build_dashboards.build().values():
        for panel in build_dashboards.iter_panels(board):
            assert f"#### {panel['title']}\n" in DOC, f"panel {panel['title']!r} missing from docs/metrics.md"
            for target in panel["targets"]:
                assert build_dashboards.query_text(target) in DOC, \
                    f"query of {panel['title']!r} not documented"
