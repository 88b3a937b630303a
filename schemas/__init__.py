"""Records on the wire and in memory. No project imports; pydantic only."""

from schemas.alert import Alert
from schemas.article import Article
from schemas.deadletter import DeadLetter
from schemas.enriched import EnrichedArticle
from schemas.events import (
    CERTAINTIES,
    DIPLOMACY_SUBTYPES,
    EVENT_TYPES,
    SANCTION_SUBTYPES,
    Event,
    Evidence,
)
from schemas.ids import alert_id_for, article_id_for, content_id, event_id_for
from schemas.incident import INCIDENT_REASONS, Incident, IncidentMember, IncidentUpdate
from schemas.nlp import Analysis, Entity, Mention

__all__ = [
    "Alert",
    "Analysis",
    "Article",
    "CERTAINTIES",
    "DIPLOMACY_SUBTYPES",
    "DeadLetter",
    "EVENT_TYPES",
    "EnrichedArticle",
    "INCIDENT_REASONS",
    "Incident",
    "IncidentMember",
    "IncidentUpdate",
    "Entity",
    "Event",
    "Evidence",
    "Mention",
    "SANCTION_SUBTYPES",
    "alert_id_for",
    "article_id_for",
    "content_id",
    "event_id_for",
]
