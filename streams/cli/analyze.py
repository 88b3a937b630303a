"""`newsmon analyze`: run the processors over a text file, stdin, or a JSON-lines file. No broker, no DB."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from schemas import Analysis, Article
from streams.sources import ArticleInputError, read_corpus_lines


def _event_json(analysis: Analysis) -> dict:
    return {"id": analysis.article_id, "language": analysis.language,
            "events": [e.model_dump(mode="json") for e in analysis.events]}


def _print_table(analyses: list[Analysis]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="newsmon analyze", show_lines=False)
    for col in ("article", "type", "subtype", "actors", "targets", "certainty", "date", "trigger"):
        table.add_column(col)
    for a in analyses:
        if not a.events:
            table.add_row(a.article_id, "-", "", "", "", "", "", f"(no events; language {a.language})")
        for e in a.events:
            table.add_row(a.article_id, e.type, e.subtype, ",".join(e.actors), ",".join(e.targets),
                          e.certainty, str(e.event_date or ""), e.trigger[:60])
    Console().print(table)


def _articles(input_: str, jsonl: bool) -> list[Article]:
    if input_ == "-":
        lines = sys.stdin.read().splitlines()
        source = "<stdin>"
    else:
        path = Path(input_)
        if not path.is_file():
            raise ArticleInputError(f"{input_}: no such file; pass a text file, a .jsonl file with --jsonl, or -")
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        source = input_
    if jsonl:
        return list(read_corpus_lines(lines, source))
    text = "\n".join(lines)
    if not text.strip():
        raise ArticleInputError(f"{source}: the input is empty")
    return [Article(id=Path(source).name if source != "<stdin>" else "stdin", text=text)]


def analyze(
    input_: str = typer.Argument(..., metavar="INPUT", help="Text file, '-' for stdin, or a JSON-lines file."),
    jsonl: bool = typer.Option(False, "--jsonl", help="INPUT holds JSON lines with id and text."),
    fmt: str = typer.Option("json", "--format", help="json (one line per article) or table."),
    model: str | None = typer.Option(None, "--model", help="spaCy model (default: settings)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
) -> None:
    """Find sanction and diplomacy events in articles and print them."""
    from processors import load_nlp, load_rules, process_batch
    from streams.settings import get_settings

    if fmt not in ("json", "table"):
        raise typer.BadParameter("use --format json or --format table")
    try:
        articles = _articles(input_, jsonl)
    except ArticleInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    model_name = model or get_settings().spacy_model
    try:
        nlp = load_nlp(model_name)
    except OSError:
        typer.echo(f"error: spaCy model {model_name!r} is not installed; pip install it or set "
                   "NEWSMON_SPACY_MODEL", err=True)
        raise typer.Exit(2) from None
    rules = load_rules()
    analyses: list[Analysis] = []
    from rich.progress import Progress

    with Progress(transient=True, console=_stderr_console(), disable=len(articles) < 20) as progress:
        task = progress.add_task("analysing", total=len(articles))
        for i in range(0, len(articles), batch_size):
            chunk = articles[i:i + batch_size]
            analyses.extend(process_batch(chunk, nlp, rules, batch_size=batch_size))
            progress.advance(task, len(chunk))
    if fmt == "table":
        _print_table(analyses)
        return
    out = sys.stdout
    for a in analyses:
        out.write(json.dumps(_event_json(a), ensure_ascii=False) + "\n")


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
