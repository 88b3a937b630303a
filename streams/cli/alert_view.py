"""What `newsmon alerts` shows: decoding, filtering and one-line rendering of Alert records (no Kafka)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from rich.text import Text

from schemas import Alert
from streams.cli.timeparse import format_utc

SNIPPET_CHARS = 140
TYPE_STYLE = {"sanction": "bold red", "diplomacy": "bold cyan"}


class NotAnAlert(ValueError):
    """A record on an alert topic that is not a valid Alert; the message says why, briefly."""


def decode_alert(value: bytes | None) -> Alert:
    """Validate record bytes as an Alert (strict: unknown keys are rejected, as for every wire record)."""
    if value is None:
        raise NotAnAlert("empty record (tombstone)")
    try:
        return Alert.model_validate_json(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "record"
        raise NotAnAlert(f"{where}: {first.get('msg')} ({exc.error_count()} error(s))") from None


@dataclass(frozen=True)
class AlertFilter:
    """Keep an alert when it matches every given criterion; codes compare case-insensitively."""

    type: str | None = None
    actors: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()

    @classmethod
    def build(cls, type_: str | None, actors: Iterable[str], targets: Iterable[str]) -> AlertFilter:
        return cls(type_, frozenset(a.strip().upper() for a in actors if a.strip()),
                   frozenset(t.strip().upper() for t in targets if t.strip()))

    def __call__(self, alert: Alert) -> bool:
        event = alert.event
        if self.type and event.type != self.type:
            return False
        if self.actors and not self.actors & {a.upper() for a in event.actors}:
            return False
        if self.targets and not self.targets & {t.upper() for t in event.targets}:
            return False
        return True


def _snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_line(alert: Alert) -> Text:
    """time  type/subtype  actors -> targets  certainty  «trigger»  "evidence"  title (styled, no markup)."""
    event = alert.event
    when = alert.article_published or alert.created_at
    line = Text()
    line.append(format_utc(when), style="dim")
    line.append("  ")
    line.append(f"{event.type}/{event.subtype}", style=TYPE_STYLE.get(event.type, "bold"))
    line.append("  ")
    line.append(",".join(event.actors) or "?", style="bold")
    line.append(" -> ")
    line.append(",".join(event.targets) or "?", style="bold")
    line.append(f"  {event.certainty} {event.confidence:.2f}", style="green" if event.alertable else "yellow")
    line.append(f"  «{event.trigger}»", style="magenta")
    line.append(f'  "{_snippet(event.evidence.text)}"')
    if alert.article_title:
        line.append(f"  — {_snippet(alert.article_title, 100)}", style="italic")
    return line


def render_json(alert: Alert) -> str:
    """Exactly one JSON object, no newline inside, as the wire carries it."""
    return alert.model_dump_json()
