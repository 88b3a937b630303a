"""What `newsmon alerts` shows: decoding, filtering and one-line rendering of Alert records (no Kafka)."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


# What a party code looks like as typed: "RUS", "usa", "EU", "IGO:EU" (processors/data/gazetteer.json).
_CODE = re.compile(r"^[A-Za-z]{2,3}$|^[A-Za-z]+:[A-Za-z0-9]+$")
_PLAIN_CODE = re.compile(r"^[A-Z]{3}$|^[A-Z]+:[A-Z0-9]+$")  # needs no resolver at all


class UnknownName(ValueError):
    """A name given for an actor or target that the actor resolver does not know; the message offers close ones."""


def party_codes(text: str, rules: Any) -> list[str]:
    """The codes an `--actor`/`--target` value selects: a name ("Russia", "the Kremlin", "North Korea") through
    the actor resolver's tables (processors.actors.lookup_name); a value written like a code is also taken as
    typed ("EU" selects EU and IGO:EU). A name nobody knows is UnknownName, naming close matches."""
    from processors.actors import lookup_name
    from processors.rules import norm_name

    value = text.strip()
    tables = (rules.names, rules.named_groups, rules.plural_demonyms, rules.demonyms)
    code, ambiguous = lookup_name(value, rules)
    as_code = [value.upper()] if _CODE.match(value) else []
    if code:
        return list(dict.fromkeys([*as_code, str(code)]))
    if as_code:
        return as_code
    if ambiguous:
        raise UnknownName(f"{text!r} can name more than one actor ({rules.ambiguous.get(norm_name(value))}); "
                          "give its code instead, e.g. --target RUS")
    names = sorted({name for table in tables for name, c in table.items() if c})
    close = difflib.get_close_matches(norm_name(value), names, n=4, cutoff=0.75)
    hint = ("; did you mean " + ", ".join(f"{n} ({_code_of(n, tables)})" for n in close) + "?" if close
            else "; give an actor code (e.g. USA, RUS, IGO:EU) or a country name")
    raise UnknownName(f"no actor is known by the name {text!r}{hint}")


def _code_of(name: str, tables: Sequence[Any]) -> str:
    return next(str(t[name]) for t in tables if t.get(name))


def needs_resolver(values: Iterable[str]) -> bool:
    """Whether any value is not plainly a code (then the rules are loaded to read names)."""
    return any(not _PLAIN_CODE.match(v.strip()) for v in values if v.strip())


def alert_time(alert: Alert) -> datetime:
    """The time an alert line shows and `newsmon alerts` orders by: the article's date, else when it was made."""
    return alert.article_published or alert.created_at


@dataclass
class Shown:
    """The alerts printed so far, by id with what they said: a repeat (a replay's, a re-sent alert's) is
    dropped; an alert whose content changed under the same id is printed again."""

    _said: dict[str, str] = field(default_factory=dict)

    def first_time(self, alert: Alert) -> bool:
        content = alert.model_dump_json(exclude={"created_at": True, "event": {"rules_version"}})
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        if self._said.get(alert.id) == digest:
            return False
        self._said[alert.id] = digest
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
