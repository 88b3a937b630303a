"""The `newsmon` command. Each sub-command lives in streams/cli/<name>.py and registers itself through
`register(app)`; nothing expensive is imported until a command runs."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

import streams

app = typer.Typer(
    name="newsmon",
    help="newsmon: sanctions and diplomacy events from news, streamed through Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Command modules, in the order `newsmon --help` lists them.
COMMAND_MODULES = ("analyze", "worker", "publish", "feeds", "alerts", "incidents", "replay", "recode", "diff", "db",
                   "schemas", "topics", "status", "bench")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"newsmon {streams.version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the installed newsmon version and exit.")] = False,
) -> None:
    """newsmon: sanctions and diplomacy events from news, streamed through Kafka."""


def register_all() -> None:
    """Add every sub-command to `app`."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"streams.cli.{name}").register(app)


def main() -> None:
    register_all()
    app()
