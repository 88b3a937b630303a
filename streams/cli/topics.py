"""`newsmon topics create|list`: the declared topics (schemas/topics.py) on the broker."""

from __future__ import annotations

import typer

from streams.settings import get_settings

topics_app = typer.Typer(help="Create or list the declared Kafka topics.", no_args_is_help=True)


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(2)


@topics_app.command("create")
def create() -> None:
    """Create the declared topics that are missing (partitions and retention from schemas/topics.py)."""
    from streams.kafka.admin import ensure_topics
    from streams.kafka.clients import KafkaConfigError, KafkaUnavailable

    settings = get_settings()
    try:
        created = ensure_topics(settings)
    except (KafkaUnavailable, KafkaConfigError) as exc:
        raise _fail(exc) from None
    for name in created:
        typer.echo(f"created {name}")
    typer.echo(f"{len(created)} topic(s) created; the others already existed" if created
               else "all declared topics already exist")


@topics_app.command("list")
def list_() -> None:
    """The declared topics, whether they exist on the broker, and their partitions."""
    from rich.console import Console
    from rich.table import Table

    from streams.kafka.admin import topic_states
    from streams.kafka.clients import KafkaConfigError, KafkaUnavailable

    settings = get_settings()
    try:
        states = topic_states(settings)
    except (KafkaUnavailable, KafkaConfigError) as exc:
        raise _fail(exc) from None
    table = Table("key", "topic", "on broker", "partitions", "retention (days)")
    for st in states:
        retention = f"{st.spec.retention_ms / 86_400_000:g}" if st.spec.retention_ms else "broker default"
        table.add_row(st.spec.key, st.name, "yes" if st.exists else "[red]missing[/red]",
                      str(st.partitions if st.exists else st.spec.partitions), retention)
    Console(width=max(100, Console().width)).print(table)
    if not all(st.exists for st in states):
        typer.echo("create the missing ones with: newsmon topics create")


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
