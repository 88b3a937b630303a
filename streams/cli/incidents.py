"""`newsmon incidents`: the incidents in the database (one act reported across outlets), latest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from streams.cli.db import _fail
from streams.cli.errors import err
from streams.cli.timeparse import FORMS, parse_time
from streams.settings import get_settings


def incidents(
    type_: Annotated[str | None, typer.Option("--type", help="Only this event type (sanction, diplomacy).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help=f"Only incidents updated since this time: {FORMS}.")] = None,
    min_sources: Annotated[int, typer.Option(
        "--min-sources", min=1, help="Only incidents reported by at least this many outlets.")] = 1,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many incidents.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON incident per line instead of a table.")] = False,
) -> None:
    """List incidents: the events of several articles that are one act, with their outlet count, first seen,
    latest update and escalation link (a threaten followed by an impose between the same parties)."""
    from storage import IncidentStore, StorageError, make_engine

    url = get_settings().database_url.get_secret_value()
    try:
        start = parse_time(since) if since else None
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    try:
        engine = make_engine(url)
        try:
            found = IncidentStore(engine).list(type_=type_, since=start, min_sources=min_sources, limit=limit)
        finally:
            engine.dispose()
    except StorageError as exc:
        _fail(exc, url)
    if as_json:
        for inc in found:
            typer.echo(inc.model_dump_json())
        return
    if not found:
        err.print("no incidents match; they appear once the worker has stored events "
                  "(`newsmon worker`), or widen --since / lower --min-sources", highlight=False)
        return
    Console(highlight=False).print(_table(found))


def _table(found: list) -> Table:
    ids = {inc.id for inc in found}
    names = ("incident", "act", "parties", "sources", "articles", "first seen", "latest", "escalates", "evidence")
    rows = []
    for inc in found:
        parties = ",".join(inc.actors) + (" -> " + ",".join(inc.targets) if inc.targets else "")
        escalates = inc.escalates_from or ""
        if escalates and escalates not in ids:
            escalates += " (not listed)"
        rows.append((inc.id, f"{inc.type}/{inc.subtype}", parties, str(inc.sources), str(inc.articles),
                     _minute(inc.first_seen), _minute(inc.latest_update), escalates,
                     inc.evidence if len(inc.evidence) <= 60 else inc.evidence[:59] + "…"))
    table = Table(title=f"{len(found)} incident(s), latest update first")
    for i, name in enumerate(names):
        if name == "evidence":  # takes what width is left; the whole sentence is in --json
            table.add_column(name, min_width=20)
        else:  # never cut: ids and counts are what a user copies
            width = max(len(name), *(len(row[i]) for row in rows))
            table.add_column(name, justify="right" if name in ("sources", "articles") else "left",
                             no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _minute(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def register(app: typer.Typer) -> None:
    app.command("incidents")(incidents)



