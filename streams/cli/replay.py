"""`newsmon replay`: re-publish the articles of a time window to the replay topic (a backfill).

The worker consumes the replay topic beside the live one, so live processing never pauses; content-derived
ids make the replayed articles and events upsert onto the rows of the first run. Alerts go out again only for
events that are new or changed (new rules that code an event differently re-alert exactly that event), unless
`--realert` asks for all of them: that flag travels as a record header (schemas.topics.REALERT_HEADER) on the
replayed records and on to their enriched records, where the worker's persist step reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from streams.cli.errors import CommandError, err, user_errors
from streams.cli.timeparse import FORMS, format_utc, parse_time, to_ms
from streams.settings import Settings, get_settings


def _window(since: str, until: str | None) -> tuple[datetime, datetime]:
    now = parse_time("now")
    start, end = parse_time(since, now=now), parse_time(until or "now", now=now)
    if start >= end:
        raise CommandError(f"--since {format_utc(start)} is not before --until {format_utc(end)}: "
                           "give the earlier time to --since")
    return start, end


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


def replay(
    since: Annotated[str, typer.Option("--since", help=f"Start of the window (inclusive): {FORMS}.")],
    until: Annotated[str | None, typer.Option(
        "--until", help="End of the window (exclusive), same forms; default now.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Read and count the records in the window; publish nothing.")] = False,
    realert: Annotated[bool, typer.Option(
        "--realert", help="Publish the alerts of the replayed articles again, even those of events that did "
                          "not change (by default only new or changed events alert).")] = False,
) -> None:
    """Re-publish the articles whose broker timestamps fall in [since, until) to the replay topic."""
    settings = get_settings()
    out = Console(highlight=False, soft_wrap=True)
    with user_errors(interrupt_code=130):
        start, end = _window(since, until)
        _run(settings, out, start, end, dry_run, realert)


def _run(settings: Settings, out: Console, start: datetime, end: datetime, dry_run: bool,
         realert: bool = False) -> None:
    from streams.kafka import backfill
    from streams.kafka import clients as kafka_clients
    from streams.kafka.reader import partitions_of

    specs = settings.topics()
    source = specs["articles"].full_name(settings.topic_prefix)
    target = specs["replay"].full_name(settings.topic_prefix)
    since_ms, until_ms = to_ms(start), to_ms(end)
    consumer = kafka_clients.consumer(settings)
    try:
        target_partitions = len(partitions_of(consumer, [target]))  # fail before reading if it is missing
        ranges = backfill.plan(consumer, source, since_ms, until_ms)
        out.print(f"{source} -> {target}, window [{format_utc(start)}, {format_utc(end)})")
        for r in ranges:
            out.print(f"  partition {r.partition}: offsets {r.start}..{r.end} ({r.size} record(s))")
        total = sum(r.size for r in ranges)
        if total == 0:
            raise CommandError(f"no records on {source} have timestamps in [{format_utc(start)}, "
                               f"{format_utc(end)}): nothing to replay; widen the window (e.g. --since 7d)")
        result = backfill.CopyResult()
        producer = None if dry_run else kafka_clients.producer(settings, linger_ms=20)
        try:
            with _progress() as progress:
                task = progress.add_task("dry run" if dry_run else "replaying", total=total)
                records = backfill.records_in_window(consumer, source, ranges, since_ms, until_ms,
                                                     on_offset=lambda n: progress.advance(task, n))
                if producer is None:
                    result.sent = sum(1 for _ in records)
                else:
                    backfill.copy_records(producer, records, target, result=result, realert=realert,
                                          keep_partition=target_partitions == len(ranges))
        except KeyboardInterrupt:
            err.print(f"interrupted after {result.sent} record(s); rerunning the same window is safe "
                      "(ids derive from content, so rows are upserted, and unchanged events do not alert again)")
            raise
        finally:
            if producer is not None:
                producer.close()  # flushes what was sent before an interruption
    finally:
        consumer.close()
    _report(out, result, source, target, dry_run, realert)


def _report(out: Console, result, source: str, target: str, dry_run: bool, realert: bool = False) -> None:
    if result.failed:
        raise CommandError(f"{result.failed} of {result.sent} record(s) could not be published to {target} "
                           f"(first error: {result.first_error}); rerun the same window, it is safe")
    if result.sent == 0:
        raise CommandError(f"the offset ranges of {source} hold no record timestamped inside the window "
                           "(producer-set timestamps out of order); nothing to replay")
    if dry_run:
        out.print(f"dry run: would replay {result.sent} record(s) from {source} to {target}; "
                  "nothing published")
    else:
        out.print(f"replayed {result.sent} record(s) from {source} to {target}"
                  + ("; their alerts will be published again (--realert)" if realert else
                     "; only new or changed events will alert (--realert: all)"))


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
