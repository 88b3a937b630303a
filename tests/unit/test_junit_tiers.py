"""deploy/local/junit_tiers.py: the per-tier counts `make test` and CI print after pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "junit_tiers.py"

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="7">
  <testcase classname="tests.unit.schemas.test_a" name="ok1"/>
  <testcase classname="tests.unit.schemas.test_a" name="ok2"/>
  <testcase classname="tests.unit.test_b" name="bad"><failure message="x">boom</failure></testcase>
  <testcase classname="tests.integration.storage.test_c" name="ok"/>
  <testcase classname="tests.integration.storage.test_c" name="skip"><skipped message="pg only"/></testcase>
  <testcase classname="tests.integration.test_d" name="fix"><error message="down">x</error></testcase>
  <testcase classname="tests.e2e.test_e" name="ok"/>
</testsuite></testsuites>
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def test_counts_each_tier_and_errors_as_failures(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(REPORT)
    out = run(str(report))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "tests per tier:",
        "unit: 2 passed, 1 failed, 0 skipped",
        "integration: 1 passed, 1 failed, 1 skipped",
        "e2e: 1 passed, 0 failed, 0 skipped",
        "total: 4 passed, 2 failed, 1 skipped",
    ]


def test_missing_report_is_an_error_that_names_the_file(tmp_path):
    out = run(str(tmp_path / "absent.xml"))
    assert out.returncode == 1
    assert "absent.xml" in out.stderr
