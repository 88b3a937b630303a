"""Entities, mentions and the analysis of one article."""

from __future__ import annotations

from pydantic import Field

from schemas.base import Record
from schemas.events import Event


class Mention(Record):
    """One NER mention: a span of the article text."""

    entity_id: str
    text: str
    label: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Entity(Record):
    """Mentions of one thing merged per article; `actor` is its resolved code, if any."""

    id: str
    name: str
    label: str
    mentions: int = Field(ge=1)
    actor: str | None = None
    ambiguous: bool = False


class Analysis(Record):
    """What the processors found in one article."""

    article_id: str
    language: str = "en"
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    events: tuple[Event, ...] = ()
    model: str
    rules_version: str
