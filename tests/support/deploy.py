"""The observability tooling under deploy/ (not an installed package), importable by the tests, and the
Prometheus binaries they need (installed by `make test` / deploy/local/prometheus.sh; never by a test)."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
GRAFANA_DIR = ROOT / "deploy" / "grafana"

if str(GRAFANA_DIR) not in sys.path:
    sys.path.insert(0, str(GRAFANA_DIR))

build_dashboards = importlib.import_module("build_dashboards")
grafana_queries = importlib.import_module("grafana_queries")


def binary(name: str) -> str:
    """Path of `name` (promtool, prometheus), or a test failure that says how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make test` installs it through deploy/local/prometheus.sh "
                    f"(Debian's `prometheus` package: apt-get install prometheus)", pytrace=False)
    return path
