"""`newsmon analyze` as a user runs it: JSON lines in, one line per article out, in order."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from schemas.ids import article_id_for
from streams.cli import analyze as analyze_cmd
from tests.support.inputs import GOOD


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


def test_bad_line_is_named_and_the_rest_analysed(tmp_path, nlp):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "text": "Canada imposed sanctions on Belarus on Monday."}\n{"id": "b"}\n')
    res = CliRunner().invoke(_app(), ["analyze", str(src)])
    assert res.exit_code == 1  # as `newsmon publish`: some input failed
    assert f"error: {src}:2: no article text: none of 'text'" in res.stderr
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["a"]


def test_nothing_readable_exits_2(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "b"}\n')
    res = CliRunner().invoke(_app(), ["analyze", str(src)])
    assert res.exit_code == 2 and "no article could be read" in res.stderr


def test_reads_what_publish_reads_directories_feeds_and_stdin(tmp_path, nlp):
    """`analyze DIR` and `analyze feed.rss` code the articles, not the raw XML; `-` reads stdin as publish does."""
    res = CliRunner().invoke(_app(), ["analyze", str(GOOD / "feed.rss")])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [(e["subtype"], e["actors"]) for line in lines for e in line["events"]][:1] == [
        ("agreement_signed", ["KAZ", "UZB"])]  # the entry's text, not the feed's markup
    assert [line["id"] for line in lines] == [article_id_for(url="https://steppe.example/2026/11/water-accord"),
                                             article_id_for(url="https://steppe.example/2026/11/mongolia-seoul")]

    res = CliRunner().invoke(_app(), ["analyze", str(GOOD), "--format", "articles"])
    assert res.exit_code == 0, res.output
    from_dir = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(from_dir) == 11 and len({a["id"] for a in from_dir}) == 11

    raw = (GOOD / "newsapi.json").read_bytes()
    res = CliRunner().invoke(_app(), ["analyze", "-", "--format", "articles"], input=raw)
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["source"] for x in res.stdout.splitlines()] == ["Harbour Post", "Delta Wire"]
