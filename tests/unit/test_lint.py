"""The code passes ruff and mypy with the configuration in pyproject.toml (what `make lint` runs)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent))
    assert exe, f"{name} is a test dependency: pip install -e '.[test]'"
    return exe


def test_ruff_is_clean():
    run = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_passes_on_the_typed_packages():
    """schemas/, processors/ and storage/ ([tool.mypy] files), with the overrides pyproject.toml lists."""
    run = subprocess.run([_tool("mypy"), "--no-incremental"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout
