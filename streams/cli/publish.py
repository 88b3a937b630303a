"""`newsmon publish PATH... [--topic articles]`: JSON (object, array, {"articles": [...]}, lines), text and HTML
files, directories, RSS/Atom feeds, `-` for stdin -> the articles topic (key = article id), through
streams.inputs like every other way in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from streams.settings import get_settings

PROGRESS_FROM = 100  # inputs at least this long get a progress bar


def _count_hint(sources: list[str]) -> int | None:
    """Lines in the JSON-lines files named directly: enough for a progress bar total, cheap to get."""
    total = 0
    for source in sources:
        path = Path(source)
        if not path.is_file() or path.suffix.lower() not in (".jsonl", ".ndjson"):
            return None
        with path.open("rb") as fh:
            total += sum(1 for line in fh if line.strip())
    return total


def publish_items(sources: list[str], topic_key: str) -> tuple[int, int, str]:
    """Publish every readable article; report bad inputs (and skipped files) as they come.
    Returns (published, failed, topic)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from streams.inputs import admit, read_sources
    from streams.kafka import clients as kafka_clients

    settings = get_settings()
    specs = settings.topics()
    if topic_key not in specs:
        raise typer.BadParameter(f"unknown topic {topic_key!r}; one of: {', '.join(specs)}",
                                 param_hint="--topic")
    topic = specs[topic_key].full_name(settings.topic_prefix)
    producer = kafka_clients.producer(settings, retries=5, linger_ms=20,
                                      max_request_size=max(1_048_576, settings.max_text_bytes + 65_536))
    published = failed = 0
    futures = []
    total = _count_hint(sources)
    progress = Progress(TextColumn("publishing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        transient=True, disable=total is not None and total < PROGRESS_FROM)
    try:
        with progress:
            task = progress.add_task("publish", total=total)
            # admit() is the worker's own edge check: what it would dead-letter (oversize, ...) is refused here
            # with the same reason, before it reaches the topic (or the broker's size limit).
            for item in admit(read_sources(sources), settings.max_text_bytes, topic):
                if item.skipped:
                    progress.console.print(f"[yellow]skipped[/yellow] {item.where}: "
                                           f"{(item.error or '').removeprefix('skipped: ')}", highlight=False,
                                           soft_wrap=True)
                    continue
                if item.article is None:
                    failed += 1
                    progress.console.print(f"[red]error[/red] {item.where}: {item.error}; not published",
                                           highlight=False, soft_wrap=True)
                    progress.advance(task)
                    continue
                value = item.article.model_dump_json().encode("utf-8")
                futures.append((item.where, producer.send(topic, key=item.article.id.encode(), value=value)))
                progress.advance(task)
            producer.flush()
    finally:
        for where, future in futures:
            try:
                future.get(timeout=30)
                published += 1
            except Exception as exc:
                failed += 1
                typer.secho(f"error {where}: not published: {exc}", fg="red", err=True)
        producer.close()
    return published, failed, topic


def register(app: typer.Typer) -> None:
    @app.command()
    def publish(
        paths: Annotated[list[str], typer.Argument(help="JSON / JSON-lines, text, HTML or RSS/Atom files, "
                                                        "directories, feed URLs, or - for stdin.")],
        topic: Annotated[str, typer.Option("--topic", "-t",
                                           help="Logical topic key (schemas/topics.py).")] = "articles",
    ) -> None:
        """Publish articles to Kafka (key = article id). Records need their text (text, maintext, content, ...);
        other fields are mapped (NewsAPI, news-please) or kept in `extra`. See the README's table of inputs."""
        from streams.kafka.clients import KafkaConfigError, KafkaUnavailable

        try:
            published, failed, topic_name = publish_items(paths, topic)
        except (KafkaUnavailable, KafkaConfigError) as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"published {published} article(s) to {topic_name}"
                   + (f"; {failed} input(s) failed (see errors above)" if failed else ""))
        if published:
            typer.echo("next: run the worker (newsmon worker) and watch alerts: newsmon alerts --follow")
        if failed:
            raise typer.Exit(1)
