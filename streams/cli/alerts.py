"""`newsmon alerts`: print the alerts the worker publishes, as readable lines or one JSON object per line.

Each fetch (a whole drain, or one poll while following) is printed in time order (alert_view.alert_time); an
alert already printed in this run is dropped unless what it says changed; `--actor`/`--target` take codes or
names (read through the actor resolver, processors/actors.py); `--since` starts at the alerts published since.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from schemas.topics import ALERT_TOPIC_FOR_TYPE
from streams.cli.alert_view import (
    AlertFilter,
    NotAnAlert,
    Shown,
    UnknownName,
    alert_time,
    decode_alert,
    needs_resolver,
    party_codes,
    render_json,
    render_line,
)
from streams.cli.errors import CommandError, ctrl_c_sets, err, user_errors
from streams.cli.timeparse import FORMS, format_utc, parse_time, to_ms
from streams.settings import Settings, get_settings


class AlertType(StrEnum):
    sanction = "sanction"
    diplomacy = "diplomacy"


def alert_topics(settings: Settings, type_: str | None) -> list[str]:
    """Broker names of the alert topics to read: one type's, or all."""
    specs = settings.topics()
    keys = [ALERT_TOPIC_FOR_TYPE[type_]] if type_ else list(ALERT_TOPIC_FOR_TYPE.values())
    return [specs[key].full_name(settings.topic_prefix) for key in keys]


def _start_offsets(consumer: Any, tps: list[Any], *, from_beginning: bool, use_committed: bool,
                   since_ms: int | None = None) -> dict:
    """The first offset published at or after `since_ms` when given; else the committed offset where the group
    has one, else the earliest (--from-beginning) or the end."""
    if since_ms is not None:
        ends = consumer.end_offsets(tps)
        found = consumer.offsets_for_times({tp: since_ms for tp in tps})
        return {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in tps}
    fallback = consumer.beginning_offsets(tps) if from_beginning else consumer.end_offsets(tps)
    starts = dict(fallback)
    if use_committed:
        for tp in tps:
            committed = consumer.committed(tp)
            if committed is not None:
                starts[tp] = committed
    return starts


def _fetches(settings: Settings, topics: list[str], *, from_beginning: bool, follow: bool,
             group: str | None, stop: threading.Event | None = None, since_ms: int | None = None):
    """Yield lists of records from the alert topics as the options ask: the whole drain as one list, or one
    list per poll while following; the caller closes nothing."""
    from kafka import OffsetAndMetadata

    from streams.kafka import clients as kafka_clients
    from streams.kafka.reader import fetches as follow_records
    from streams.kafka.reader import partitions_of, read_ranges

    group_id = f"{settings.topic_prefix}{group}" if group else None
    if group_id and follow:
        if since_ms is not None:
            raise CommandError("--since cannot be combined with --group and --follow: the group resumes where "
                               "it left off; drop --since, or use --no-follow")
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
        starts = _start_offsets(consumer, tps, from_beginning=from_beginning, use_committed=bool(group_id),
                                since_ms=since_ms)
        if follow:
            consumer.assign(tps)
            for tp, offset in starts.items():
                consumer.seek(tp, offset)
            yield from follow_records(consumer, stop=stop)
            return
        ends = consumer.end_offsets(tps)
        drained = list(read_ranges(consumer, {tp: (starts[tp], ends[tp]) for tp in tps}))
        if drained:
            yield drained
        if group_id:
            # Every partition, empty ones too: the next run must start here, not at a later end offset.
            consumer.commit({tp: OffsetAndMetadata(max(starts[tp], ends[tp]), "", -1) for tp in tps})
    finally:
        consumer.close()


def alerts(
    type_: Annotated[AlertType | None, typer.Option("--type", help="Only this event type.")] = None,
    actor: Annotated[list[str] | None, typer.Option(
        "--actor", help="Only alerts with this actor, a code (USA, IGO:EU) or a name (\"United States\"); "
                        "repeat for any of several.",
    )] = None,
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="Only alerts with this target, a code (RUS) or a name (Russia); repeat for any of "
                         "several.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help=f"Only alerts published since this time: {FORMS}.")] = None,
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
    out = Console(soft_wrap=True, highlight=False)
    shown = skipped = repeats = 0
    seen = Shown()
    stop = threading.Event()
    # Following, Ctrl-C ends the feed between two polls (a drain, --no-follow, is interrupted at once).
    with user_errors(interrupt_code=0), (ctrl_c_sets(stop) if follow else contextlib.nullcontext()):
        keep = AlertFilter.build(type_.value if type_ else None, *_codes(actor or (), target or ()))
        since_ms = None
        if since is not None:
            since_ms = to_ms(parse_time(since))
            err.print(f"alerts published since {format_utc(parse_time(since))}", style="dim")
        topics = alert_topics(settings, keep.type)
        if not follow and not from_beginning and not group and since is None:
            err.print("note: --no-follow without --from-beginning, --since or --group starts at the end: "
                      "nothing to show; add --from-beginning", style="yellow")
        fetches = _fetches(settings, topics, from_beginning=from_beginning, follow=follow, group=group,
                           stop=stop, since_ms=since_ms)
        # closing(): on Ctrl-C the generator's `finally` closes the consumer now, not at garbage collection.
        with contextlib.closing(fetches):
            for records in fetches:
                alerts_in_fetch = []
                for record in records:
                    try:
                        alert = decode_alert(record.value)
                    except NotAnAlert as exc:
                        skipped += 1
                        where = f"{record.topic}[{record.partition}]@{record.offset}"
                        err.print(f"skipped {where}: not an Alert: {exc}", style="yellow", markup=False,
                                  highlight=False)
                        continue
                    if keep(alert):
                        alerts_in_fetch.append(alert)
                for alert in sorted(alerts_in_fetch, key=alert_time):
                    if not seen.first_time(alert):
                        repeats += 1
                        continue
                    shown += 1
                    if as_json:
                        sys.stdout.write(render_json(alert) + "\n")
                        sys.stdout.flush()
                    else:
                        out.print(render_line(alert))
    err.print(f"{shown} alert{'s' if shown != 1 else ''} shown"
              + (f", {repeats} repeat(s) of an alert already shown dropped" if repeats else "")
              + (f", {skipped} invalid record(s) skipped" if skipped else ""), style="dim")


def _codes(actors: Sequence[str], targets: Sequence[str]) -> tuple[list[str], list[str]]:
    """Actor and target codes for what was typed: codes as they are, names through the actor resolver."""
    if not needs_resolver([*actors, *targets]):
        return list(actors), list(targets)
    from processors import load_rules

    rules = load_rules()
    try:
        return ([c for a in actors if a.strip() for c in party_codes(a, rules)],
                [c for t in targets if t.strip() for c in party_codes(t, rules)])
    except UnknownName as exc:
        raise CommandError(str(exc)) from None


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts)
