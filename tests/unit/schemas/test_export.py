"""`newsmon schemas export DIR`: one schema file per declared topic plus an index that names them."""

from __future__ import annotations

import json

import typer
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from streams.cli import schemas as schemas_command
from streams.settings import Settings


def _cli() -> typer.Typer:
    app = typer.Typer()
    schemas_command.register(app)
    return app


def test_export_writes_a_schema_per_topic_and_an_index(tmp_path):
    target = tmp_path / "out" / "schemas"
    result = CliRunner().invoke(_cli(), ["schemas", "export", str(target)])
    assert result.exit_code == 0, result.output

    specs = Settings().topics()
    index = json.loads((target / "index.json").read_text())
    assert [entry["topic"] for entry in index["topics"]] == [spec.name for spec in specs.values()]
    for entry in index["topics"]:
        assert entry["schema"] == f"{entry['topic']}.v{entry['schema_version']}.schema.json"
        schema = json.loads((target / entry["schema"]).read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["x-newsmon-topic"] == entry["topic"]
        assert schema["x-newsmon-record"] == entry["record"]
    assert (target / "news.articles.v2.schema.json").exists()
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["index.json"] + [e["schema"] for e in index["topics"]])


def test_export_into_a_file_path_fails_with_a_clear_message(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(_cli(), ["schemas", "export", str(blocker / "sub")])
    assert result.exit_code == 1
    assert f"cannot write to {blocker / 'sub'}" in result.output
    assert "Traceback" not in result.output
