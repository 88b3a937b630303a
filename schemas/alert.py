"""The record of the alert topics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.base import AwareDatetime, Record, utcnow
from schemas.events import Event
from schemas.ids import alert_id_for


class Alert(Record):
    schema_version: Literal[1] = 1
    id: str
    event: Event
    article_title: str | None = None
    article_url: str | None = None
    article_published: AwareDatetime | None = None
    # The incident the event belongs to and its corroboration count (distinct outlets) when the alert was
    # made; absent on alerts written before incidents existed, which stay readable.
    incident_id: str | None = None
    corroboration: int | None = Field(default=None, ge=1)
    created_at: AwareDatetime = Field(default_factory=utcnow)

    @classmethod
    def for_event(cls, event: Event, *, title: str | None = None, url: str | None = None,
                  published: AwareDatetime | None = None, incident_id: str | None = None,
                  corroboration: int | None = None) -> Alert:
        return cls(id=alert_id_for(event.id), event=event, article_title=title,
                   article_url=url, article_published=published, incident_id=incident_id,
                   corroboration=corroboration)
