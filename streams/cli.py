"""The `newsmon` command. Each sub-command lives in streams/commands/<name>.py and registers itself
through `register(app)`; nothing expensive is imported until a command runs."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="newsmon",
    help="newsmon: sanctions and diplomacy events from news, streamed through Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Command modules, in the order `newsmon --help` lists them.
COMMAND_MODULES = (
    "analyze",
    "worker",
    "publish",
    "alerts",
    "replay",
    "db",
    "schemas",
    "topics",
    "status",
    "bench",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"streams.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"streams.commands.{name}":
                continue  # not written yet
            raise
        module.register(app)


def main() -> None:
    _register_all()
    app()


if __name__ == "__main__":
    main()
