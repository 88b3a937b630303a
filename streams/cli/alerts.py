"""`newsmon alerts`: print the alerts the worker publishes, as readable lines or one JSON object per line."""

from __future__ import annotations

import contextlib
import sys
import threading
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from schemas.topics import ALERT_TOPIC_FOR_TYPE
from streams.cli.alert_view import AlertFilter, NotAnAlert, decode_alert, render_json, render_line
from streams.cli.errors import ctrl_c_sets, err, user_errors
from streams.settings import Settings, get_settings


class AlertType(StrEnum):
    sanction = "sanction"
    diplomacy = "diplomacy"


def alert_topics(settings: Settings, type_: str | None) -> list[str]:
    """Broker names of the alert topics to read: one type's, or all."""
    specs = settings.topics()
    keys = [ALERT_TOPIC_FOR_TYPE[type_]] if type_ else list(ALERT_TOPIC_FOR_TYPE.values())
    return [specs[key].full_name(settings.topic_prefix) for key in keys]


def _start_offsets(consumer: Any, tps: list[Any], *, from_beginning: bool, use_committed: bool) -> dict:
    """Committed offset where the group has one, else the earliest (--from-beginning) or the end."""
    fallback = consumer.beginning_offsets(tps) if from_beginning else consumer.end_offsets(tps)
    starts = dict(fallback)
    if use_committed:
        for tp in tps:
            committed = consumer.committed(tp)
            if committed is not None:
                starts[tp] = committed
    return starts


def _records(settings: Settings, topics: list[str], *, from_beginning: bool, follow: bool,
             group: str | None, stop: threading.Event | None = None):
    """Yield (record, consumer) from the alert topics as the options ask; the caller closes nothing."""
    from kafka import OffsetAndMetadata

    from streams.kafka import clients as kafka_clients
    from streams.kafka.reader import follow as follow_records
    from streams.kafka.reader import partitions_of, read_ranges

    group_id = f"{settings.topic_prefix}{group}" if group else None
    if group_id and follow:
        # Group membership: several `newsmon alerts --group G` share the partitions and resume where G left.
        consumer = kafka_clients.consumer(settings, group_id=group_id, enable_auto_commit=True,
                                          auto_offset_reset="earliest" if from_beginning else "latest")
        try:
            partitions_of(consumer, topics)  # a clear error for a missing topic, before subscribing
            consumer.subscribe(topics)
            yield from follow_records(consumer, stop=stop)
        finally:
            consumer.close()
        return
    # Manual assignment, no rebalancing; a group's committed offsets are read and (no-follow) advanced.
    consumer = kafka_clients.consumer(settings, group_id=group_id)
    try:
        tps = partitions_of(consumer, topics)
        starts = _start_offsets(consumer, tps, from_beginning=from_beginning, use_committed=bool(group_id))
        if follow:
            consumer.assign(tps)
            for tp, offset in starts.items():
                consumer.seek(tp, offset)
            yield from follow_records(consumer, stop=stop)
            return
        ends = consumer.end_offsets(tps)
        yield from read_ranges(consumer, {tp: (starts[tp], ends[tp]) for tp in tps})
        if group_id:
            # Every partition, empty ones too: the next run must start here, not at a later end offset.
            consumer.commit({tp: OffsetAndMetadata(max(starts[tp], ends[tp]), "", -1) for tp in tps})
    finally:
        consumer.close()


def alerts(
    type_: Annotated[AlertType | None, typer.Option("--type", help="Only this event type.")] = None,
    actor: Annotated[list[str] | None, typer.Option(
        "--actor", help="Only alerts with this actor code (e.g. USA, EU); repeat for any of several.",
    )] = None,
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="Only alerts with this target code; repeat for any of several.")] = None,
    from_beginning: Annotated[bool, typer.Option(
        "--from-beginning", help="Start at the earliest retained alert (with --group: only where the group "
                                 "has no committed offset yet).")] = False,
    follow: Annotated[bool, typer.Option(
        "--follow/--no-follow", help="Keep waiting for new alerts, or exit once the topics are drained.",
    )] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print each alert as one JSON object per line.")] = False,
    group: Annotated[str | None, typer.Option(
        "--group", help="Consumer group (NEWSMON_TOPIC_PREFIX is prepended) whose committed offsets "
                        "are used and advanced; without it nothing is committed.")] = None,
) -> None:
    """Print sanction and diplomacy alerts as the worker publishes them."""
    settings = get_settings()
    keep = AlertFilter.build(type_.value if type_ else None, actor or (), target or ())
    out = Console(soft_wrap=True, highlight=False)
    shown = skipped = 0
    stop = threading.Event()
    # Following, Ctrl-C ends the feed between two polls (a drain, --no-follow, is interrupted at once).
    with user_errors(interrupt_code=0), (ctrl_c_sets(stop) if follow else contextlib.nullcontext()):
        topics = alert_topics(settings, keep.type)
        if not follow and not from_beginning and not group:
            err.print("note: --no-follow without --from-beginning or --group starts at the end: "
                      "nothing to show; add --from-beginning", style="yellow")
        records = _records(settings, topics, from_beginning=from_beginning, follow=follow, group=group,
                           stop=stop)
        # closing(): on Ctrl-C the generator's `finally` closes the consumer now, not at garbage collection.
        with contextlib.closing(records):
            for record in records:
                try:
                    alert = decode_alert(record.value)
                except NotAnAlert as exc:
                    skipped += 1
                    where = f"{record.topic}[{record.partition}]@{record.offset}"
                    err.print(f"skipped {where}: not an Alert: {exc}", style="yellow", markup=False,
                              highlight=False)
                    continue
                if not keep(alert):
                    continue
                shown += 1
                if as_json:
                    sys.stdout.write(render_json(alert) + "\n")
                    sys.stdout.flush()
                else:
                    out.print(render_line(alert))
    err.print(f"{shown} alert{'s' if shown != 1 else ''} shown"
              + (f", {skipped} invalid record(s) skipped" if skipped else ""), style="dim")


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts)
