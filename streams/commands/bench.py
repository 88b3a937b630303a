"""`newsmon bench`: articles/s and words/s of bare spaCy and of the processors on the same texts."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def bench(
    articles: int = typer.Option(200, "--articles", min=1, help="Generated articles (ignored with --corpus)."),
    out: Path = typer.Option(Path(".run/bench.json"), "--out", help="Where to write the JSON figures."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="JSON-lines corpus (id, text) instead."),
    model: Optional[str] = typer.Option(None, "--model", help="spaCy model (default: settings)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Rounds per stage; the best is kept."),
) -> None:
    """Measure bare nlp.pipe and process_batch in one run and print both rates and their ratio."""
    from rich.console import Console
    from rich.table import Table

    from streams.benchmark import build_corpus, read_corpus, run_benchmark, write_json
    from streams.settings import get_settings

    if corpus is not None:
        if not corpus.is_file():
            typer.echo(f"error: {corpus}: no such file; pass a JSON-lines file with id and text", err=True)
            raise typer.Exit(2)
        try:
            items = read_corpus(corpus)
        except Exception as exc:  # noqa: BLE001 - the reader's message names the bad line
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    else:
        items = build_corpus(articles)
    summary = run_benchmark(items, model or get_settings().spacy_model, batch_size=batch_size, rounds=rounds)
    table = Table(title=f"newsmon bench: {summary['articles']} articles, {summary['words']} words")
    for col in ("stage", "seconds", "articles/s", "words/s"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for name, res in summary["stages"].items():
        table.add_row(name, f"{res['seconds']:.2f}", f"{res['articles_per_s']:.1f}", f"{res['words_per_s']:.0f}")
    console = Console()
    console.print(table)
    if "ratio_analyze" in summary:
        console.print(f"analyze / spacy words/s ratio: {summary['ratio_analyze']:.3f} (goal >= 0.9)")
    write_json(summary, out)
    console.print(f"figures written to {out}")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)
