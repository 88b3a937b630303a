"""`newsmon db upgrade|stats`: bring the schema up to date, and show what is stored.

storage (SQLAlchemy, Alembic) is imported inside the commands, so other commands never pay for it.
"""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from streams.settings import get_settings

db_app = typer.Typer(name="db", help="The database: schema migrations and statistics.", no_args_is_help=True)
_err = Console(stderr=True, soft_wrap=True)  # long URLs and driver messages stay on one line


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _database_url() -> str:
    return get_settings().database_url.get_secret_value()


def _scrub(message: str, url: str) -> str:
    """Driver messages rarely echo the password, but never let one through."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - an unparseable URL has no password to find
        return message
    return message.replace(str(password), "***") if password else message


def _fail(error: Exception, url: str) -> NoReturn:
    """Say what failed (URL masked) and what to do, on stderr; exit 1."""
    from storage import DatabaseUnavailable, SchemaMissing, mask_url

    where = mask_url(url)
    reason = _scrub(str(error), url)
    if isinstance(error, DatabaseUnavailable):
        advice = ("Check NEWSMON_DATABASE_URL and that the database server is running "
                  "(local PostgreSQL: deploy/local/postgres.sh start).")
        _err.print(f"[bold red]Cannot reach the database[/] at {where}\n  {reason}\n  {advice}",
                   highlight=False, markup=True)
    elif isinstance(error, SchemaMissing):
        _err.print(f"[bold red]The database at {where} has no newsmon tables yet.[/]\n"
                   "  Run `newsmon db upgrade` to create them.", highlight=False)
    else:
        _err.print(f"[bold red]Database error[/] at {where}\n  {reason}", highlight=False)
    raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[str, typer.Option(help="Alembic revision to upgrade to.")] = "head",
) -> None:
    """Create or migrate newsmon's tables (safe to run repeatedly)."""
    from storage import StorageError, current_revision, head_revision, make_engine, mask_url, upgrade

    url = _database_url()
    try:
        engine = make_engine(url)
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
    except StorageError as exc:
        _fail(exc, url)
    change = "already up to date" if before == after else f"upgraded from {before or 'an empty database'}"
    typer.echo(f"Database {mask_url(url)} is at revision {after} (newest: {head_revision()}); {change}.")


@db_app.command("stats")
def stats_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Count stored articles, entities, mentions and events (by type and certainty)."""
    from storage import Repository, StorageError, make_engine, mask_url

    url = _database_url()
    try:
        stats = Repository(make_engine(url), migrate=False).stats()
    except StorageError as exc:
        _fail(exc, url)
    if as_json:
        typer.echo(json.dumps(stats, sort_keys=True))
        return
    console = Console()
    console.print(f"Database: {mask_url(url)}", highlight=False, soft_wrap=True)
    console.print(_stats_table(stats))


def _stats_table(stats: dict) -> Table:
    table = Table()
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name in ("articles", "entities", "mentions"):
        table.add_row(name, f"{stats[name]:,}")
    events = stats["events"]
    table.add_row("events", f"{events['total']:,}")
    for kind in ("by_type", "by_certainty"):
        for key, n in events[kind].items():
            table.add_row(f"  events {kind.removeprefix('by_')}={key}", f"{n:,}")
    alerts = stats.get("alerts", {})
    for key in ("sent", "due"):
        if key in alerts:
            table.add_row(f"alerts {key}", f"{alerts[key]:,}")
    return table
