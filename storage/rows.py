"""Schema records <-> table rows (plain dicts for bulk statements), and batch validation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import schemas
from storage.errors import InvalidBatch
from storage.versions import incoming_wins


@dataclass
class ArticleRows:
    """Everything one enriched article writes: its article row and its child rows."""

    article: dict[str, Any]
    entities: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.article["id"]

    @property
    def rules_version(self) -> str:
        return self.article["rules_version"]


def choose(records: Sequence[schemas.EnrichedArticle]) -> tuple[dict[str, schemas.EnrichedArticle], int]:
    """One record per article id, as if the batch were saved one record at a time in order: a later
    record replaces an earlier one unless the earlier one has newer rules. Returns (chosen, superseded)."""
    chosen: dict[str, schemas.EnrichedArticle] = {}
    for record in records:
        if not isinstance(record, schemas.EnrichedArticle):
            raise InvalidBatch(
                f"save_batch takes schemas.EnrichedArticle records, got {type(record).__name__}")
        current = chosen.get(record.article.id)
        if current is None or incoming_wins(record.analysis.rules_version, current.analysis.rules_version):
            chosen[record.article.id] = record
    return chosen, len(records) - len(chosen)


def check(record: schemas.EnrichedArticle) -> list[str]:
    """What makes a record unstorable (empty when it is fine)."""
    problems = []
    article_id = record.article.id
    if record.analysis.article_id != article_id:
        problems.append(f"analysis.article_id {record.analysis.article_id!r} is not the article's id")
    for event in record.analysis.events:
        if event.article_id != article_id:
            problems.append(f"event {event.id!r} names article {event.article_id!r}")
    strings = list(_strings(record))
    # Refused on SQLite too, so both databases store exactly the same records.
    if any("\x00" in s for s in strings):
        problems.append("contains a NUL character (\\x00), which PostgreSQL text cannot store")
    if not all(_utf8_encodable(s) for s in strings):
        problems.append("contains a lone UTF-16 surrogate, which is not valid UTF-8 text")
    return problems


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(record: schemas.EnrichedArticle) -> Iterable[str]:
    a, an = record.article, record.analysis
    yield from (s for s in (a.id, a.text, a.title, a.url, a.source, a.language, an.model, an.rules_version)
                if s)
    for e in an.entities:
        yield from (s for s in (e.id, e.name, e.label, e.actor) if s)
    for m in an.mentions:
        yield from (m.entity_id, m.text, m.label)
    for ev in an.events:
        yield from (ev.id, ev.type, ev.subtype, ev.certainty, ev.trigger, ev.evidence.text, ev.rules_version)
        yield from (s for s in (ev.cameo, ev.plover) if s)
        yield from ev.actors
        yield from ev.targets


# What an alert shows of its event, beside the event id; the rules version is left out, so new rules that find
# the same event the same way raise no alert.
_ALERT_EXCLUDE = {"id", "article_id", "rules_version"}


def alert_fingerprint(event: schemas.Event, article: schemas.Article) -> str:
    """sha256 of what the event's alert says (the event without its rules version, the article's title, url
    and date): equal fingerprints mean a subscriber would see the same alert again."""
    content = {"event": event.model_dump(mode="json", exclude=_ALERT_EXCLUDE), "title": article.title,
               "url": article.url, "published": article.published.isoformat() if article.published else None}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def to_rows(record: schemas.EnrichedArticle, now: datetime) -> ArticleRows:
    """The rows of one record. Duplicate child keys within the record: the last one wins."""
    a, an = record.article, record.analysis
    rows = ArticleRows(article={
        "id": a.id, "title": a.title, "url": a.url, "source": a.source, "published": a.published,
        "language": a.language or an.language, "text": a.text,
        "text_sha256": hashlib.sha256(a.text.encode("utf-8")).hexdigest(),
        "model": an.model, "rules_version": an.rules_version, "processed_at": record.processed_at,
        "first_seen_at": now, "updated_at": now,
    })
    entities = {e.id: e for e in an.entities}
    rows.entities = [
        {"article_id": a.id, "id": e.id, "name": e.name, "label": e.label, "mentions": e.mentions,
         "actor": e.actor, "ambiguous": e.ambiguous}
        for e in entities.values()
    ]
    mentions = {(m.start, m.end, m.label): m for m in an.mentions}
    rows.mentions = [
        {"article_id": a.id, "start": m.start, "end": m.end, "label": m.label, "entity_id": m.entity_id,
         "text": m.text}
        for m in mentions.values()
    ]
    events = {ev.id: ev for ev in an.events}
    rows.events = [_event_row(ev, now) | {"content_sha256": alert_fingerprint(ev, a), "alerted_sha256": None}
                   for ev in events.values()]
    rows.parties = [
        {"event_id": ev.id, "role": role, "code": code}
        for ev in events.values()
        for role, codes in (("actor", ev.actors), ("target", ev.targets))
        for code in dict.fromkeys(codes)  # a code listed twice is one party
    ]
    return rows


def _event_row(ev: schemas.Event, now: datetime) -> dict[str, Any]:
    return {
        "id": ev.id, "article_id": ev.article_id, "type": ev.type, "subtype": ev.subtype,
        "actors": list(ev.actors), "targets": list(ev.targets), "certainty": ev.certainty,
        "trigger": ev.trigger, "evidence_text": ev.evidence.text, "evidence_start": ev.evidence.start,
        "evidence_end": ev.evidence.end, "event_date": ev.event_date, "confidence": ev.confidence,
        "cameo": ev.cameo, "goldstein": ev.goldstein, "plover": ev.plover,
        "rules_version": ev.rules_version, "created_at": now,
    }


def event_from_row(row: Mapping[Any, Any]) -> schemas.Event:
    """A stored event as the schema record it was saved from."""
    return schemas.Event(
        id=row["id"], article_id=row["article_id"], type=row["type"], subtype=row["subtype"],
        actors=tuple(row["actors"]), targets=tuple(row["targets"]), certainty=row["certainty"],
        trigger=row["trigger"],
        evidence=schemas.Evidence(text=row["evidence_text"], start=row["evidence_start"],
                                  end=row["evidence_end"]),
        event_date=row["event_date"], confidence=row["confidence"], cameo=row["cameo"],
        goldstein=row["goldstein"], plover=row["plover"], rules_version=row["rules_version"],
    )


def article_from_row(row: Mapping[Any, Any]) -> schemas.Article:
    """A stored article as the schema record it was saved from."""
    return schemas.Article(id=row["id"], text=row["text"], title=row["title"], url=row["url"],
                           source=row["source"], published=row["published"], language=row["language"])
