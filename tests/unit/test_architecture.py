"""The import contracts of pyproject.toml ([tool.importlinter]) hold: processors stay pure, schemas import no
project package, storage imports only schemas, and inside streams/ the CLI sits over the benchmark over the
worker over the Kafka plumbing, with only `newsmon bench` loading the benchmark."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency: pip install -e '.[test]'"
    run = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
