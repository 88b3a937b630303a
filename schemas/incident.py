"""Incidents: the events of several articles that are one real-world act, and the record of the
`alerts.incidents` topic."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.base import AwareDatetime, Record, utcnow

INCIDENT_REASONS = ("new", "corroborated", "escalated")
IncidentReason = Literal["new", "corroborated", "escalated"]


class IncidentMember(Record):
    """One asserted event of one article, as it joins an incident."""

    incident_id: str
    party_key: str  # type + actors + targets: incidents that may escalate into one another share it
    event_id: str
    article_id: str
    type: str
    subtype: str
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    window_start: date  # the earliest event date of the incident it joins (processors.incidents.assign)
    event_date: date
    outlet: str  # who reported it: the article's source, else its URL's host, else its id
    seen: AwareDatetime  # the article's published time (else when it was processed)
    evidence: str
    dated: bool = True  # the event had a date of its own (else event_date is the article's publication)
    terms: tuple[str, ...] = ()  # what the report says beyond the key (processors.incidents.terms_of)


class Incident(Record):
    """One real-world act reported by one or more articles (ids derive from content: replay-stable)."""

    id: str
    party_key: str
    type: str
    subtype: str
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    window_start: date  # its earliest event date (= first_date), part of its id
    first_date: date  # earliest and latest event date among its reports
    last_date: date
    first_seen: AwareDatetime  # earliest and latest report (published time)
    latest_update: AwareDatetime
    articles: int = Field(ge=1)
    sources: int = Field(ge=1)  # distinct outlets: the corroboration count
    outlets: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    evidence: str  # the earliest report's evidence sentence
    escalates_from: str | None = None  # the id of the incident this one escalates (threaten -> impose)


class IncidentUpdate(Record):
    """The record of `alerts.incidents` (key = incident id): an incident that is new, that reached the
    corroboration threshold, or that escalates an earlier one."""

    schema_version: Literal[1] = 1
    reason: IncidentReason
    incident: Incident
    threshold: int | None = None  # the corroboration threshold, when reason = "corroborated"
    created_at: AwareDatetime = Field(default_factory=utcnow)
