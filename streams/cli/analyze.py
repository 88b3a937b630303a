"""`newsmon analyze INPUT...`: run the processors over what `newsmon publish` reads (files, directories, feeds,
`-` for stdin), through the same readers (streams.inputs). No broker, no DB."""

from __future__ import annotations

import json
import sys

import typer

from schemas import Analysis, Article


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


def _articles(inputs: list[str], max_text_bytes: int) -> tuple[list[Article], int]:
    """The articles `newsmon publish` would publish from `inputs`, and how many inputs failed (each named on
    stderr with why; skipped files too)."""
    from streams.inputs import admit, read_sources

    articles, failed = [], 0
    for item in admit(read_sources(inputs), max_text_bytes):
        if item.article is not None:
            articles.append(item.article)
        elif item.skipped:
            typer.echo(f"skipped {item.where}: {(item.error or '').removeprefix('skipped: ')}", err=True)
        else:
            failed += 1
            typer.echo(f"error: {item.where}: {item.error}", err=True)
    return articles, failed


def analyze(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help="What `newsmon publish` reads: JSON / JSON-lines, text, HTML or "
                                            "RSS/Atom files, directories, feed URLs, or - for stdin."),
    jsonl: bool = typer.Option(False, "--jsonl", hidden=True,
                               help="Kept for old scripts: JSON lines are recognised without it."),
    fmt: str = typer.Option("json", "--format",
                            help="json (one line per article), table, or articles (the articles as read, "
                                 "one JSON line each, without analysing them)."),
    model: str | None = typer.Option(None, "--model", help="spaCy model (default: settings)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
) -> None:
    """Find sanction and diplomacy events in articles and print them. Reads what `newsmon publish` reads; an
    input that cannot be read is named with why (exit status 1), the others are analysed."""
    from streams.settings import get_settings

    if fmt not in ("json", "table", "articles"):
        raise typer.BadParameter("use --format json, table or articles")
    settings = get_settings()
    articles, failed = _articles(inputs, settings.max_text_bytes)
    if not articles:
        typer.echo("error: no article could be read from the input (see above)" if failed else
                   "error: the input holds no article", err=True)
        raise typer.Exit(2)
    if fmt == "articles":
        for article in articles:
            sys.stdout.write(article.model_dump_json() + "\n")
    else:
        _analyse(articles, fmt, model or settings.spacy_model, batch_size)
    if failed:
        raise typer.Exit(1)


def _analyse(articles: list[Article], fmt: str, model_name: str, batch_size: int) -> None:
    from processors import load_nlp, load_rules, process_batch

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
