"""`newsmon bench`: words/s of bare spaCy (a), the processors (b), one worker on the real broker and
database (c), two workers (d), in interleaved rounds (medians and min-max over the rounds), then
publish -> persisted latency at half of (c)'s median capacity."""

from __future__ import annotations

from pathlib import Path

import typer


def bench(
    articles: int = typer.Option(200, "--articles", min=1, help="Generated articles (ignored with --corpus)."),
    out: Path = typer.Option(Path(".run/bench.json"), "--out", help="Where to write the JSON figures."),
    corpus: Path | None = typer.Option(None, "--corpus", help="JSON-lines corpus (id, text) instead."),
    event_share: float = typer.Option(
        0.1, "--event-share", min=0.0, max=1.0,
        help="Share of generated sentences that state a sanction or diplomacy event (0.1: about 7 events per "
             "1,000 words, as in real news picked for those topics; 1: every sentence)."),
    model: str | None = typer.Option(None, "--model", help="spaCy model (default: settings)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    rounds: int = typer.Option(
        3, "--rounds", min=1,
        help="Rounds of the throughput stages a, a2, b, c, d, interleaved; ratios are the median of each round's "
             "ratio"),
    stages: str = typer.Option("a,a2,b,c,d,latency,incidents", "--stages",
                               help="Stages to run: a (nlp.pipe), a2 (nlp.pipe in 2 processes at once), "
                                    "b (process_batch), c (1 worker), "
                                    "d (2 workers), latency (at half of c's capacity), incidents (clustering "
                                    "quality and cost on a labelled corpus)."),
    incident_corpus: Path = typer.Option(
        Path("tests/data/incident_corpus.jsonl"), "--incident-corpus",
        help="Labelled JSON lines ({act, article}) of stage incidents."),
    database: str = typer.Option("postgresql", "--database", help="postgresql or sqlite (c, d, latency)."),
    partitioning: str = typer.Option(
        "balanced", "--partitioning",
        help="balanced: each article to the input partition with the fewest words so far, so both workers of "
             "(d) get equal work; key: Kafka's key hash, as a producer in production does."),
    latency_rate: float | None = typer.Option(
        None, "--latency-rate", min=0.1,
        help="Publish rate of the latency stage (articles/s); default half of stage c's capacity."),
    postgres_url: str | None = typer.Option(
        None, "--postgres-url", envvar="NEWSMON_TEST_POSTGRES_URL",
        help="Server on which each stage creates (and drops) a fresh database."),
) -> None:
    """Measure every stage on the same articles; print the rates, the ratios, latency and worker memory."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("psutil") is None:
        typer.secho("error: newsmon bench samples the workers' memory and CPU with psutil, which comes with the "
                    "bench extra: pip install 'newsmon[bench]' (make bench installs it)", fg="red", err=True)
        raise typer.Exit(2)

    from rich.console import Console

    from streams.bench import pipeline as bp
    from streams.bench.inprocess import build_corpus, read_corpus, write_json
    from streams.settings import get_settings

    try:
        selected = bp.parse_stages(stages)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--stages") from None
    if database not in ("postgresql", "sqlite"):
        raise typer.BadParameter("postgresql or sqlite", param_hint="--database")
    if partitioning not in bp.PARTITIONING:
        raise typer.BadParameter(" or ".join(bp.PARTITIONING), param_hint="--partitioning")

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
        items = build_corpus(articles, event_share=event_share)
    settings = get_settings()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as tmp:
        run = bp.PipelineRun(articles=items, bootstrap=settings.kafka_bootstrap, database=database,
                             postgres_url=postgres_url or bp.DEFAULT_POSTGRES_URL, workdir=Path(tmp),
                             latency_rate=latency_rate, partitioning=partitioning,
                             incident_corpus=incident_corpus)
        if any(s in selected for s in bp.PIPELINE_STAGES):
            try:
                bp.check_services(run)
            except bp.ServiceDown as exc:
                typer.secho(f"error: {exc}", fg="red", err=True)
                raise typer.Exit(2) from None
        try:
            with _progress(console) as progress:
                run.progress = progress
                summary = bp.run_bench(run, model or settings.spacy_model, selected, batch_size=batch_size,
                                       rounds=rounds)
        except (bp.ServiceDown, RuntimeError) as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(1) from None
    summary["corpus"] = ({"source": str(corpus)} if corpus is not None
                         else {"source": "generated", "event_share": event_share})
    summary["partitioning"] = partitioning
    _print(console, summary)
    write_json(summary, out)
    console.print(f"figures written to {out}")
    failed = bp.errors(summary)
    for name, message in failed.items():
        typer.secho(f"error: stage {name} failed: {message}", fg="red", err=True)
    if failed:
        raise typer.Exit(1)


def _progress(console):  # noqa: ANN001, ANN202 - rich types stay out of the signature
    """A context manager yielding a `(what, done, total)` callback that drives one rich progress line."""
    from contextlib import contextmanager

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    @contextmanager
    def manager():  # noqa: ANN202
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("starting", total=None)

            def update(what: str, done: int | None = None, total: int | None = None) -> None:
                bar.update(task, description=what, completed=done or 0, total=total)

            yield update
    return manager()


def _fmt(value: object, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _spread(res: dict, key: str, spec: str) -> str:
    """min-max of a figure over the stage's rounds ("" with fewer than two rounds)."""
    values = [r[key] for r in res.get("rounds", []) if r.get(key) is not None]
    if len(values) < 2:
        return ""
    return f"{format(min(values), spec)}-{format(max(values), spec)}"


def _ratio_line(label: str, summary: dict, key: str, goal: str) -> str:
    span = summary.get(f"{key}_range")
    span_text = f"[{span[0]:.3f}-{span[1]:.3f}]" if span else ""
    return f"{label} {_fmt(summary[key])} {span_text:<13}  ({goal})"


def _print(console, summary: dict) -> None:  # noqa: ANN001
    from rich.table import Table

    machine = summary["machine"]
    events = summary["stages"].get("analyze", {}).get("events")
    density = f", {events} events" if events is not None else ""
    table = Table(title=f"newsmon bench: {summary['articles']} articles, {summary['words']} words{density}, "
                        f"{summary.get('rounds', 1)} rounds, load {machine['loadavg_1_5_15']} on "
                        f"{machine['cpus']} cpus", caption="median over the rounds (min-max)")
    for col in ("stage", "rounds", "seconds", "articles/s", "words/s", "words/s min-max", "words/cpu-s",
                "words/cpu-s min-max", "peak RSS MB"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for name, res in summary["stages"].items():
        if "words_per_s" not in res:
            continue
        label = name if "error" not in res else f"{name} (failed in round {res.get('failed_round')})"
        rss = ", ".join(map(str, res.get("peak_rss_mb", [])))
        table.add_row(label, str(len(res.get("rounds", [])) or 1), f"{res['seconds']:.2f}",
                      f"{res['articles_per_s']:.1f}", f"{res['words_per_s']:.0f}",
                      _spread(res, "words_per_s", ".0f"), _fmt(res.get("words_per_cpu_s"), ".0f"),
                      _spread(res, "words_per_cpu_s", ".0f"), rss)
    console.print(table)
    if machine.get("loadavg_by_round"):
        console.print("load average at the start of each round: "
                      + ", ".join(f"r{i} {load}" for i, load in enumerate(machine["loadavg_by_round"], 1)))
    s = summary
    console.print("ratios: median of the per-round ratios [min-max]\n"
                  + _ratio_line("(b)/(a) analyze/spacy     ", s, "ratio_analyze", "goal >= 0.9") + "\n"
                  + _ratio_line("(c)/(a) pipeline/spacy    ", s, "ratio_pipeline", "goal >= 0.85") + "\n"
                  + _ratio_line("(d)/(c) 2 workers/1 worker", s, "ratio_scaling", "goal >= 1.6 on 2 cores") + "\n"
                  + _ratio_line("(a2)/(a) bare spaCy x2/x1 ", s, "ratio_machine_scaling",
                                "this machine's own ceiling for (d)/(c)"),
                  markup=False)  # the [min-max] brackets are text, not rich markup
    lat = s["stages"].get("latency")
    if lat and "p50_s" in lat:
        console.print(f"latency publish->persisted at {lat['rate_articles_per_s']} articles/s: "
                      f"p50 {lat['p50_s']} s, p95 {lat['p95_s']} s, p99 {lat['p99_s']} s (goal p99 < 1 s)")
    inc = s["stages"].get("incidents")
    if inc and "bcubed_f1" in inc:
        console.print(f"incidents on {inc['corpus']}: {inc['articles']} articles about {inc['acts']} acts -> "
                      f"{inc['incidents']} incidents ({inc['escalations']} escalation(s)); B-cubed precision "
                      f"{inc['bcubed_precision']}, recall {inc['bcubed_recall']}, F1 {inc['bcubed_f1']}; cost "
                      f"{inc['cluster_us_per_article']} us/article to cluster, {inc['store_ms_per_article']} "
                      "ms/article to store (SQLite, one article per update)")
    if s["peak_rss_mb"] is not None:
        console.print(f"peak RSS per worker: {s['peak_rss_mb']} MB (goal < 600 MB)")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)
