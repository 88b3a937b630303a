"""`newsmon status` (alias `newsmon top`): the pipeline's health in the terminal, for someone without Grafana.

Reads each worker's /metrics twice, `--interval` seconds apart, and shows articles/s per stage, lag per
partition, p95 latency per stage and end to end, events per minute by type, and dead letters.
`--watch` refreshes in place; `--json` prints the figures once as JSON.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.table import Table

from streams.cli.health import Health, Snapshot, WorkerUnreachable, compute, metrics_url, scrape
from streams.settings import get_settings

_out = Console()
_err = Console(stderr=True, soft_wrap=True)

UrlOption = Annotated[list[str] | None, typer.Option(
    "--url", "-u", help="A worker's web address (host:port or http://host:port or .../metrics); repeat for "
    "several workers. Default: NEWSMON_WEB_HOST:NEWSMON_WEB_PORT.")]
IntervalOption = Annotated[float, typer.Option(
    "--interval", "-i", min=0.5, help="Seconds between the two reads that rates are computed over.")]
WatchOption = Annotated[bool, typer.Option("--watch", "-w",
                                           help="Refresh every --interval seconds until Ctrl-C.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the figures once as JSON and exit.")]


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("top", help="Alias of `newsmon status`.")(status)


def status(url: UrlOption = None, interval: IntervalOption = 3.0, watch: WatchOption = False,
           as_json: JsonOption = False) -> None:
    """Show the workers' health from their /metrics: throughput, lag, latency, events, dead letters."""
    if watch and as_json:
        _err.print("--watch and --json do not go together: --json prints once.")
        raise typer.Exit(2)
    try:
        urls = [metrics_url(u) for u in (url or [_default_url()])]
    except ValueError as exc:
        _err.print(str(exc))
        raise typer.Exit(2) from exc
    if watch:
        _watch(urls, interval)
        return
    health = _measure(urls, interval)
    from streams.cli.feeds import worst_sources

    feeds = worst_sources(get_settings())
    if as_json:
        typer.echo(json.dumps({**health.as_dict(), "feeds": feeds}, indent=2))
    else:
        _out.print(render(health))
        if feeds:
            _out.print(render_feeds(feeds))


def render_feeds(feeds: list[dict]) -> Table:
    """The worst feed sources (`newsmon feeds run`'s state in the database)."""
    table = _table("Feeds (worst first)", "source", "failed in a row", "last success", "sent", "refused",
                   "last error")
    for f in feeds:
        since = "never" if f["since_success_s"] is None else f"{_fmt(f['since_success_s'], 's', 0)} ago"
        failures = f"[red]{f['consecutive_failures']}[/]" if f["consecutive_failures"] else "0"
        table.add_row(f["source"], failures, since, str(f["sent"]), str(f["refused"]), (f["last_error"] or "")[:80])
    return table


def _default_url() -> str:
    settings = get_settings()
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::", "") else settings.web_host
    return f"http://{host}:{settings.web_port}/metrics"


def _scrape_all(urls: list[str]) -> tuple[dict[str, Snapshot], dict[str, str]]:
    """Scrape every worker at once; (snapshots of those reachable, why the others failed)."""
    ok, failed = {}, {}
    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:
        for u, result in zip(urls, pool.map(_try_scrape, urls), strict=True):
            if isinstance(result, Snapshot):
                ok[u] = result
            else:
                failed[u] = result
    return ok, failed


def _try_scrape(url: str) -> Snapshot | str:
    try:
        return scrape(url)
    except WorkerUnreachable as exc:
        return str(exc)


def _unreachable(failed: dict[str, str]) -> typer.Exit:
    for message in failed.values():
        _err.print(f"[bold red]Worker not reachable:[/] {message}", highlight=False)
    return typer.Exit(1)


def _measure(urls: list[str], interval: float) -> Health:
    first, failed = _scrape_all(urls)
    if not first:
        raise _unreachable(failed)
    time.sleep(interval)
    second, failed_again = _scrape_all(list(first))
    failed.update(failed_again)
    if not second:
        raise _unreachable(failed)
    return compute([(first[u], second[u]) for u in second], failed)


def _watch(urls: list[str], interval: float) -> None:
    from rich.live import Live

    previous, failed = _scrape_all(urls)
    if not previous:
        raise _unreachable(failed)
    with Live(render(compute([], failed), waiting=True), console=_out, auto_refresh=False,
              screen=False) as live:
        try:
            while True:
                time.sleep(interval)
                current, failed = _scrape_all(urls)
                pairs = [(previous[u], current[u]) for u in current if u in previous]
                live.update(render(compute(pairs, failed)), refresh=True)
                previous = {**previous, **current}
        except KeyboardInterrupt:
            pass


def _fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.{digits}f} s"
    return f"{value:.{digits}f}{unit}"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def _short(url: str) -> str:
    """host:port of a /metrics URL, for narrow tables."""
    return url.split("://", 1)[-1].removesuffix("/metrics")


def render(h: Health, waiting: bool = False) -> Group:
    """The health figures as rich tables."""
    from rich.columns import Columns

    workers = _table(f"Workers (rates over the last {h.window_s:.1f} s)",
                     "worker", "state", "version", "model", "rules")
    problems = []
    for w in h.workers:
        state = "[green]up[/]" if w["up"] else "[red]down[/]"
        workers.add_row(_short(w["url"]), state, w.get("version", ""), w.get("model", ""),
                        w.get("rules_version", ""))
        if not w["up"]:
            problems.append(f"[red]{_short(w['url'])}[/]: {w.get('error') or 'unreachable'}")
    head = [workers, *problems]
    if waiting:
        return Group(*head, f"measuring over the next {h.window_s or 'few'} seconds ...")
    throughput = _table("Articles", "stage", "per s")
    for stage, rate in h.articles_per_s.items():
        throughput.add_row(stage, _fmt(rate))
    latency = _table("Latency p95", "stage / target", "p95")
    for stage, p95 in h.stage_p95_s.items():
        latency.add_row(stage, _fmt(p95, "s"))
    for target, p95 in h.end_to_end_p95_s.items():
        latency.add_row(f"end to end: {target}", _fmt(p95, "s"))
    events = _table("Events", "type", "per min", "total")
    for kind in sorted(set(h.events_total) | set(h.events_per_min)):
        events.add_row(kind, _fmt(h.events_per_min.get(kind, 0.0)), f"{h.events_total.get(kind, 0):.0f}")
    for topic, rate in h.alerts_per_min.items():
        events.add_row(f"alerts: {topic}", _fmt(rate), "")
    lag = _table("Consumer lag", "topic / partition", "messages", "behind")
    for p in h.lag:
        lag.add_row(f"{p.topic} / {p.partition}", f"{p.messages:.0f}", _fmt(p.seconds, "s"))
    if not h.lag:
        lag.add_row("(no partition assigned yet)", "-", "-")
    errors = _table("Dead letters and retries", "reason", "total")
    for reason, count in sorted(h.deadletters_total.items()):
        errors.add_row(reason, f"{count:.0f}")
    errors.add_row("dead letters per min (now)", _fmt(h.deadletters_per_min))
    errors.add_row("database retries", f"{h.db_retries_total:.0f}")
    return Group(*head, Columns([throughput, latency, events]), Columns([lag, errors]))
