"""`newsmon feeds list|add|remove|check|run`: the monitored sources (feeds.yaml, NEWSMON_FEEDS_FILE) and the
poller that sends what is new in them to the articles topic (docs/feeds.md)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from streams.cli.errors import ctrl_c_sets, err, fail
from streams.settings import Settings, get_settings

feeds_app = typer.Typer(help="The monitored sources (feeds.yaml) and `newsmon feeds run`, which polls them.",
                        no_args_is_help=True)
FileOption = Annotated[str | None, typer.Option("--file", "-f", help="The feeds file (default: "
                                                "NEWSMON_FEEDS_FILE, else ./feeds.yaml).")]


def _path(file: str | None) -> Path:
    return Path(file or get_settings().feeds_file)


def _load(path: Path) -> Any:
    from streams.feeds.config import FeedsFileError, load

    try:
        return load(path)
    except FeedsFileError as exc:
        raise fail(f"{exc}; fix the file (see docs/feeds.md)") from None


@feeds_app.command("list")
def list_(file: FileOption = None) -> None:
    """The sources in the feeds file, and what the database says of their health."""
    path = _path(file)
    feeds = _load(path)
    if not feeds.sources:
        typer.echo(f"{path}: no sources; add one with `newsmon feeds add NAME --kind rss --url URL`")
        return
    states = _states_or_none(get_settings())
    table = Table(title=f"feeds in {path}")
    for column in ("name", "kind", "url / path", "every", "label", "last success", "failures", "sent",
                   "refused"):
        table.add_column(column)
    for s in feeds.sources:
        st = states.get(s.name) if states else None
        table.add_row(s.name, s.kind, s.target, f"{s.interval:g}s", s.label or "",
                      st.last_success_at.strftime("%Y-%m-%d %H:%M:%S") if st and st.last_success_at else "-",
                      str(st.consecutive_failures) if st else "-", str(st.items_new) if st else "-",
                      str(st.items_rejected) if st else "-")
    Console().print(table)


def _states_or_none(settings: Settings) -> dict | None:
    """Stored source health, or None when the database is not reachable (listing the file still works)."""
    from sqlalchemy.engine import make_url

    from storage import StorageError, make_engine
    from storage.feeds import FeedState

    url = settings.database_url.get_secret_value()
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            return None  # do not create an empty database just to list the file
        return FeedState(make_engine(url), migrate=False).sources()
    except (StorageError, ValueError):
        return None


def worst_sources(settings: Settings, limit: int = 5) -> list[dict[str, Any]]:
    """The feed sources in the worst health first (most failures in a row, then longest since a success), from
    the database `newsmon feeds run` writes; [] when there is none or it cannot be read."""
    from datetime import UTC, datetime

    states = _states_or_none(settings) or {}
    now = datetime.now(UTC)

    def age(st: Any) -> float:
        return (now - st.last_success_at).total_seconds() if st.last_success_at else float("inf")

    ranked = sorted(states.values(), key=lambda st: (-st.consecutive_failures, -age(st), st.name))
    return [{"source": st.name, "consecutive_failures": st.consecutive_failures,
             "since_success_s": None if st.last_success_at is None else round(age(st), 1),
             "last_error": st.last_error, "sent": st.items_new, "refused": st.items_rejected}
            for st in ranked[:limit]]


@feeds_app.command()
def add(
    name: Annotated[str, typer.Argument(help="A unique lower-case name, e.g. reuters-world.")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="rss, directory or json.")] = "rss",
    url: Annotated[str | None, typer.Option(help="rss/json: the http(s):// or file:// URL.")] = None,
    path: Annotated[str | None, typer.Option(help="directory: the directory to watch.")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 300,
    label: Annotated[str | None, typer.Option(help="A human name for tables and dashboards.")] = None,
    header: Annotated[list[str] | None, typer.Option(
        help="HEADER=ENV_NAME: send HEADER with the value of environment variable ENV_NAME (repeatable).")] = None,
    file: FileOption = None,
) -> None:
    """Add a source to the feeds file (validated first; the file is rewritten)."""
    from pydantic import ValidationError

    from streams.feeds.config import FeedsFile, Source, _explain, save

    fpath = _path(file)
    feeds = _load(fpath)
    if feeds.get(name):
        raise fail(f"{fpath}: a source named {name!r} exists; remove it first or choose another name")
    headers = {}
    for pair in header or []:
        key, sep, env = pair.partition("=")
        if not sep:
            raise fail(f"--header {pair!r}: write HEADER=ENV_NAME, e.g. --header X-Api-Key=NEWSAPI_KEY")
        headers[key.strip()] = env.strip()
    data = {"name": name, "kind": kind, "url": url, "path": path, "interval": interval, "label": label,
            "headers": headers}
    try:
        source = Source.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise fail(f"{name}: {_explain(exc, data)}") from None
    save(FeedsFile(sources=[*feeds.sources, source]), fpath)
    typer.echo(f"added {name} ({kind} {source.target}, every {interval:g}s) to {fpath}")
    for env in source.missing_env():
        err.print(f"[yellow]warning:[/] environment variable {env} is not set; export it before `feeds run`")


@feeds_app.command()
def remove(name: Annotated[str, typer.Argument(help="The source's name.")], file: FileOption = None) -> None:
    """Remove a source from the feeds file (the items it sent stay recorded as sent)."""
    from streams.feeds.config import FeedsFile, save

    fpath = _path(file)
    feeds = _load(fpath)
    if not feeds.get(name):
        known = ", ".join(s.name for s in feeds.sources) or "none"
        raise fail(f"{fpath}: no source named {name!r} (sources: {known})")
    save(FeedsFile(sources=[s for s in feeds.sources if s.name != name]), fpath)
    typer.echo(f"removed {name} from {fpath}")


@feeds_app.command()
def check(
    file: FileOption = None,
    offline: Annotated[bool, typer.Option("--offline", help="Validate only; do not fetch the sources.")] = False,
) -> None:
    """Validate the feeds file, the environment variables its headers name, and (unless --offline) fetch each
    source once through the input path, publishing nothing: how many items it has and which it would refuse."""
    from streams.feeds.connectors import Context, FetchError, build
    from streams.feeds.connectors.http import HttpClient
    from streams.inputs import admit, read_document

    settings = get_settings()
    fpath = _path(file)
    if not fpath.exists():
        raise fail(f"{fpath}: no such file; create it with `newsmon feeds add` or set NEWSMON_FEEDS_FILE")
    feeds = _load(fpath)
    problems = 0
    table = Table(title=f"check of {fpath}")
    for column in ("name", "kind", "result", "items", "refused"):
        table.add_column(column)
    context = Context(HttpClient(settings.feeds_timeout_s, settings.feeds_per_host), str(fpath))
    for source in feeds.sources:
        missing = source.missing_env()
        if missing:
            problems += 1
            table.add_row(source.name, source.kind, f"[red]set {', '.join(missing)}[/]", "-", "-")
            continue
        if offline:
            table.add_row(source.name, source.kind, "[green]valid[/]", "-", "-")
            continue
        try:
            fetched = build(source, context).fetch({})
        except FetchError as exc:
            problems += 1
            table.add_row(source.name, source.kind, f"[red]{exc}[/]", "-", "-")
            continue
        items = [i for d in fetched.documents for i in admit(read_document(d.raw, d.where, d.kind),
                                                            settings.max_text_bytes) if not i.skipped]
        bad = [i for i in items if i.failed]
        table.add_row(source.name, source.kind, "[green]readable[/]" if len(bad) < len(items) or not items
                      else "[red]nothing readable[/]", str(len(items) - len(bad)), str(len(bad)))
        for item in bad[:5]:
            err.print(f"[yellow]{source.name}:[/] would refuse {item.where}: {item.error}", highlight=False)
    Console().print(table)
    if problems:
        raise fail(f"{problems} source(s) cannot be read; fix them (above) before `newsmon feeds run`")
    typer.echo(f"{len(feeds.sources)} source(s) OK")


def build_poller(settings: Settings, fpath: Path, registry: Any = None) -> tuple[Any, Any]:
    """The composition root of `feeds run`: feeds file, database state, producer, metrics -> (Poller, producer)."""
    from storage import make_engine
    from storage.feeds import FeedState
    from streams.feeds.connectors import Context
    from streams.feeds.connectors.http import HttpClient
    from streams.feeds.poller import Poller, Sink
    from streams.kafka import clients as kafka_clients
    from streams.worker.metrics import FeedMetrics

    feeds = _load(fpath)
    specs = settings.topics()
    producer = kafka_clients.producer(settings, retries=5, linger_ms=20,
                                      max_request_size=max(1_048_576, settings.max_text_bytes + 65_536))
    sink = Sink(producer, specs["articles"].full_name(settings.topic_prefix),
                specs["deadletter"].full_name(settings.topic_prefix))
    state = FeedState(make_engine(settings.database_url.get_secret_value()))
    context = Context(HttpClient(settings.feeds_timeout_s, settings.feeds_per_host), str(fpath))
    poller = Poller(feeds.sources, context, state, sink, FeedMetrics.create(registry),
                    max_text_bytes=settings.max_text_bytes, backoff_initial_s=settings.feeds_backoff_initial_s,
                    backoff_max_s=settings.feeds_backoff_max_s, concurrency=settings.feeds_concurrency)
    return poller, producer


@feeds_app.command()
def run(
    file: FileOption = None,
    once: Annotated[bool, typer.Option("--once", help="Poll every source once, then exit.")] = False,
) -> None:
    """Poll every source on its interval and send each new item once to the articles topic (Ctrl-C stops).
    Metrics on http://NEWSMON_FEEDS_METRICS_HOST:NEWSMON_FEEDS_METRICS_PORT/metrics."""
    import logging

    from prometheus_client import start_http_server

    from storage import StorageError
    from streams.kafka.clients import KafkaConfigError, KafkaUnavailable

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("kafka", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = get_settings()
    fpath = _path(file)
    if not fpath.exists():
        raise fail(f"{fpath}: no such file; create it with `newsmon feeds add` or set NEWSMON_FEEDS_FILE")
    try:
        poller, producer = build_poller(settings, fpath)
    except (KafkaUnavailable, KafkaConfigError, StorageError) as exc:
        raise fail(str(exc), 2) from None
    if not poller.sources:
        producer.close()
        raise fail(f"{fpath}: no sources; add one with `newsmon feeds add`")
    if settings.feeds_metrics_port:
        start_http_server(settings.feeds_metrics_port, settings.feeds_metrics_host, registry=poller.metrics.registry)
        err.print(f"metrics on http://{settings.feeds_metrics_host}:{settings.feeds_metrics_port}/metrics")
    stop = threading.Event()

    def show(result: Any) -> None:
        if not result.ok:
            err.print(f"[red]{result.source}:[/] {result.error}", highlight=False, soft_wrap=True)
        for where, reason in result.refused:
            err.print(f"[yellow]{result.source}: refused[/] {where}: {reason} (dead-lettered)", highlight=False,
                      soft_wrap=True)
        if result.new:
            typer.echo(f"{result.source}: {result.new} new article(s) published")

    try:
        with ctrl_c_sets(stop):
            polls = poller.run(stop, show, max_polls=len(poller.sources) if once else None)
    finally:
        producer.close()
    typer.echo(f"stopped after {polls} poll(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")
