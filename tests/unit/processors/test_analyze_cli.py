"""`newsmon analyze` as a user runs it: JSON lines in, one line per article out, in order."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from streams.cli import analyze as analyze_cmd


def _app() -> typer.Typer:
    app = typer.Typer()
    analyze_cmd.register(app)
    app.command("noop", hidden=True)(lambda: None)  # keep sub-command routing with one real command
    return app


def test_jsonl_in_one_line_per_item_out_in_order(tmp_path, nlp):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(o) for o in [
        {"id": "b", "text": "Canada imposed sanctions on Belarus on Monday.", "published": "2024-03-06"},
        {"id": "a", "text": "Rain fell in Oslo.", "extra": 1},
    ]) + "\n")
    res = CliRunner().invoke(_app(), ["analyze", str(src), "--jsonl"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == ["b", "a"]
    ev = lines[0]["events"][0]
    assert (ev["type"], ev["subtype"], ev["actors"], ev["targets"]) == ("sanction", "impose", ["CAN"], ["BLR"])
    assert lines[1]["events"] == []


def test_bad_line_names_its_number(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "text": "ok"}\n{"id": "b"}\n')
    res = CliRunner().invoke(_app(), ["analyze", str(src), "--jsonl"])
    assert res.exit_code == 2
    assert "bad.jsonl:2" in res.output and "'text'" in res.output
