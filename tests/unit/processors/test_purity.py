"""processors/ stays pure NLP: no Kafka, database, metrics or streams imports anywhere in it."""

from __future__ import annotations

import ast
from pathlib import Path

import processors

FORBIDDEN = {"faust", "aiokafka", "kafka", "sqlalchemy", "prometheus_client", "storage", "streams", "mode"}
ROOT = Path(processors.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_in_processors_imports_infrastructure():
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN) for p in ROOT.rglob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"processors/ must stay pure; forbidden imports: {offenders}"


def test_the_walker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom sqlalchemy import select\nimport kafka.errors\n")
    assert _imports(bad) & FORBIDDEN == {"sqlalchemy", "kafka"}
