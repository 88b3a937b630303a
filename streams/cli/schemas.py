"""`newsmon schemas export DIR`: JSON Schema files per topic, for subscribers in other languages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from streams.cli.errors import fail
from streams.settings import get_settings

schemas_app = typer.Typer(help="The record contract of each topic, as JSON Schema.", no_args_is_help=True)


@schemas_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Where to write the schemas (created if missing).",
                                              file_okay=False)],
) -> None:
    """Write <topic>.v<N>.schema.json for every topic, and index.json listing them."""
    from schemas.json_schema import export as write_schemas

    out = Console(highlight=False)
    try:
        written = write_schemas(directory, get_settings().topics())
    except OSError as exc:
        raise fail(f"cannot write to {directory}: {exc.strerror}; choose a writable directory") from None
    for path in written:
        out.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(schemas_app, name="schemas")
