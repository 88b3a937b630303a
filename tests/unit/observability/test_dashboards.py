"""The Grafana dashboards: generated JSON is current, structurally valid for Grafana, wired to the
provisioned data sources, and every PromQL query parses and selects only metrics the worker exports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.support.deploy import GRAFANA_DIR, binary, build_dashboards, grafana_queries
from tests.support.metric_names import exported_series_names, families, metric_names_in

BOARDS = {path.name: json.loads(path.read_text())
          for path in sorted((GRAFANA_DIR / "dashboards").glob("*.json"))}


def provisioned_datasources() -> dict[str, str]:
    doc = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "newsmon.yml").read_text())
    return {ds["uid"]: ds["type"] for ds in doc["datasources"]}


def prom_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expr) for every PromQL query, template variables included."""
    out = []
    for name, board in BOARDS.items():
        out += [(name, p["title"], t["expr"]) for p, t in build_dashboards.iter_queries(board) if "expr" in t]
        for var in board["templating"]["list"]:
            if var["type"] == "query" and var["datasource"]["type"] == "prometheus":
                out.append((name, f"variable ${var['name']}", _variable_selector(var["query"]["query"])))
    return out


def _variable_selector(definition: str) -> str:
    """label_values(selector, label) -> selector: the PromQL Grafana runs for such a variable."""
    assert definition.startswith("label_values(") and definition.endswith(")"), definition
    return definition[len("label_values("):-1].rsplit(",", 1)[0].strip()


def test_committed_json_and_docs_match_the_generator():
    result = subprocess.run([sys.executable, str(GRAFANA_DIR / "build_dashboards.py"), "--check"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_two_dashboards_exist():
    titles = {board["title"] for board in BOARDS.values()}
    assert titles == {"newsmon / Pipeline health", "newsmon / Events"}
    assert len({board["uid"] for board in BOARDS.values()}) == len(BOARDS)


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_dashboard_json_is_what_grafana_loads(name):
    board = BOARDS[name]
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert board["uid"] and len(board["uid"]) <= 40  # Grafana's uid limit
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in build_dashboards.iter_panels(board):
        where = f"{name}: {panel['title']!r}"
        assert panel["type"] in ("timeseries", "stat", "table", "barchart", "bargauge", "gauge"), where
        assert panel["datasource"]["uid"] in _resolved_sources(board), where
        assert panel["targets"], f"{where} has no query"
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], where
            assert build_dashboards.query_text(target).strip(), where


def _resolved_sources(board: dict) -> dict[str, str]:
    """`${VAR}` -> the provisioned uid its data-source variable defaults to, for each data source the board names."""
    return {"${" + v["name"] + "}": v["current"]["value"] for v in board["templating"]["list"]
            if v["type"] == "datasource"}


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_each_data_source_is_an_import_input_and_resolves_to_the_provisioned_one(name):
    """Imported by hand, Grafana asks for every `__inputs` data source and fills `${VAR}` in; provisioned, the
    data-source variable of the same name resolves `${VAR}` to the data source provisioning created."""
    board = BOARDS[name]
    inputs = {i["name"]: i for i in board["__inputs"]}
    variables = {v["name"]: v for v in board["templating"]["list"] if v["type"] == "datasource"}
    used = {p["datasource"]["uid"] for p in build_dashboards.iter_panels(board)}
    used |= {v["datasource"]["uid"] for v in board["templating"]["list"] if v.get("datasource")}
    assert used == {"${" + n + "}" for n in inputs}, "every data source an input, every input used"
    provisioned = provisioned_datasources()
    for input_name, given in inputs.items():
        assert given["type"] == "datasource"
        assert variables[input_name]["query"] == given["pluginId"]
        assert provisioned[variables[input_name]["current"]["value"]] == given["pluginId"]
    assert {r["id"] for r in board["__requires"] if r["type"] == "datasource"} == {
        i["pluginId"] for i in inputs.values()}


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_panels_fit_the_grid_without_overlapping(name):
    cells: dict[tuple[int, int], str] = {}
    for panel in BOARDS[name]["panels"]:
        g = panel["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24, panel["title"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]


def test_every_promql_query_parses(tmp_path):
    """promtool parses each query (with Grafana's variables filled in) as a recording rule."""
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"newsmon:panel_{i}", "expr": grafana_queries.promql(expr)}
        for i, (_, _, expr) in enumerate(prom_queries())]}]}
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([binary("promtool"), "check", "rules", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_queries_select_only_exported_metrics_and_every_metric_is_shown():
    exported = exported_series_names()
    shown = set()
    for name, title, expr in prom_queries():
        used = metric_names_in(expr)
        assert used <= exported, f"{name}: {title!r} selects {used - exported}, not in streams/worker/metrics.py"
        shown |= used
    for family in families():
        stem = family.removesuffix("_total")
        assert any(s.startswith(stem) for s in shown), f"no panel shows {family}"


def test_pipeline_queries_select_the_scrape_job_of_the_prometheus_config():
    config = yaml.safe_load((GRAFANA_DIR.parent / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    for _, title, expr in prom_queries():
        if "newsmon_feed_" in expr:  # the feed poller's metrics: its own job
            assert 'job="newsmon-feeds"' in expr, title
        elif "newsmon_" in expr or "up{" in expr:
            assert 'job="newsmon-worker"' in expr or title.startswith("variable"), title
    assert {"newsmon-worker", "newsmon-feeds"} <= jobs


def test_dashboards_provider_points_at_a_folder():
    doc = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "newsmon.yml").read_text())
    (provider,) = doc["providers"]
    assert provider["type"] == "file" and provider["options"]["path"]
