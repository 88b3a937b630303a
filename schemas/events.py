"""Coded events: who did what to whom, when, with evidence."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.base import Record

EVENT_TYPES = ("sanction", "diplomacy")
SANCTION_SUBTYPES = ("impose", "extend", "threaten", "lift_or_ease")
DIPLOMACY_SUBTYPES = (
    "meeting_or_talks",
    "visit",
    "summit",
    "phone_call",
    "agreement_signed",
    "negotiation",
    "envoy_expelled_or_recalled",
    "joint_statement",
    "other",
)
CERTAINTIES = ("asserted", "hypothetical", "negated")

EventType = Literal["sanction", "diplomacy"]
Certainty = Literal["asserted", "hypothetical", "negated"]


class Evidence(Record):
    """The sentence that carries the event, with character offsets into the article text."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Event(Record):
    """One real-world occurrence found in one article."""

    id: str
    article_id: str
    type: EventType
    subtype: str
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    certainty: Certainty = "asserted"
    trigger: str
    evidence: Evidence
    event_date: date | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    cameo: str | None = None
    goldstein: float | None = None
    plover: str | None = None
    rules_version: str

    @property
    def alertable(self) -> bool:
        """Only asserted events raise alerts; all are stored."""
        return self.certainty == "asserted"
