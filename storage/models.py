"""The tables, as SQLAlchemy 2.0 declarative models. storage/README.md documents every column.

Keys are the content-derived ids of the schemas (article id, event id, entity id), so writing the same
record twice updates rather than duplicates. Child rows (entities, mentions, events, event_parties)
belong to one article and are replaced together with it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime, json_list

# Deterministic constraint names, so later migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ARTICLE_ID = sa.String(512)  # schemas.Article.id is at most 512 characters


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _article_fk() -> sa.ForeignKey:
    return sa.ForeignKey("articles.id", ondelete="CASCADE")


class ArticleRow(Base):
    """One article and the provenance of its current analysis."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(ARTICLE_ID, primary_key=True)
    title: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    language: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    model: Mapped[str] = mapped_column(sa.Text)
    rules_version: Mapped[str] = mapped_column(sa.Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntityRow(Base):
    """Mentions of one thing in one article, merged; `actor` is its resolved actor code."""

    __tablename__ = "entities"
    __table_args__ = (sa.Index(None, "actor"),)

    # Keyed per article: the processors' entity id names a thing *within* an article, and the same
    # id appearing in two articles must not make one overwrite the other.
    article_id: Mapped[str] = mapped_column(ARTICLE_ID, _article_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    label: Mapped[str] = mapped_column(sa.Text)
    mentions: Mapped[int] = mapped_column(sa.Integer)
    actor: Mapped[str | None] = mapped_column(sa.Text)
    ambiguous: Mapped[bool] = mapped_column(sa.Boolean)


class MentionRow(Base):
    """One NER span of an article's text. Note: `end` is an SQL keyword; quote it ("end") in SQL."""

    __tablename__ = "mentions"

    article_id: Mapped[str] = mapped_column(ARTICLE_ID, _article_fk(), primary_key=True)
    start: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    end: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    entity_id: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)


class EventRow(Base):
    """One coded event found in one article, with its evidence sentence."""

    __tablename__ = "events"
    __table_args__ = (sa.Index(None, "type", "subtype"),)

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    article_id: Mapped[str] = mapped_column(ARTICLE_ID, _article_fk(), index=True)
    type: Mapped[str] = mapped_column(sa.Text)
    subtype: Mapped[str] = mapped_column(sa.Text)
    actors: Mapped[list[str]] = mapped_column(json_list())
    targets: Mapped[list[str]] = mapped_column(json_list())
    certainty: Mapped[str] = mapped_column(sa.Text, index=True)
    trigger: Mapped[str] = mapped_column(sa.Text)
    evidence_text: Mapped[str] = mapped_column(sa.Text)
    evidence_start: Mapped[int] = mapped_column(sa.Integer)
    evidence_end: Mapped[int] = mapped_column(sa.Integer)
    event_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    confidence: Mapped[float] = mapped_column(sa.Float)
    cameo: Mapped[str | None] = mapped_column(sa.Text)
    goldstein: Mapped[float | None] = mapped_column(sa.Float)
    plover: Mapped[str | None] = mapped_column(sa.Text)
    rules_version: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The alert content as stored, and as last alerted (acknowledged by the broker): an alert is due when
    # they differ (storage.rows.alert_fingerprint; Repository.save_batch and mark_alerted).
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    alerted_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class EventPartyRow(Base):
    """One actor or target code of an event: `WHERE code = 'USA'` works on both databases, unlike
    querying inside the JSON arrays of events.actors/targets."""

    __tablename__ = "event_parties"
    __table_args__ = (
        sa.CheckConstraint("role IN ('actor', 'target')", name="role"),
        sa.Index(None, "code", "role"),
    )

    event_id: Mapped[str] = mapped_column(
        sa.Text, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)


class IncidentMemberRow(Base):
    """One asserted event of one article as a member of its incident (processors/incidents.py). Kept per
    article, so re-storing an article replaces its memberships; not tied to events by a foreign key, so an
    event dropped by a new analysis can still be found here and its incident recomputed."""

    __tablename__ = "incident_members"
    __table_args__ = (sa.Index(None, "party_key"), sa.Index(None, "incident_id"))

    article_id: Mapped[str] = mapped_column(ARTICLE_ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    incident_id: Mapped[str] = mapped_column(sa.Text)
    party_key: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.Text)
    subtype: Mapped[str] = mapped_column(sa.Text)
    actors: Mapped[list[str]] = mapped_column(json_list())
    targets: Mapped[list[str]] = mapped_column(json_list())
    window_start: Mapped[date] = mapped_column(sa.Date)
    event_date: Mapped[date] = mapped_column(sa.Date)
    outlet: Mapped[str] = mapped_column(sa.Text)
    seen: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence: Mapped[str] = mapped_column(sa.Text)
    # NULL on members stored before revision 0005: dated, nothing beyond the key (storage/incidents.py)
    dated: Mapped[bool | None] = mapped_column(sa.Boolean)
    terms: Mapped[list[str] | None] = mapped_column(json_list())


class IncidentRow(Base):
    """One incident: the fold of its members (rebuilt from them whenever one of its party group changes)."""

    __tablename__ = "incidents"
    __table_args__ = (sa.Index(None, "party_key"), sa.Index(None, "type", "subtype"))

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    party_key: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.Text)
    subtype: Mapped[str] = mapped_column(sa.Text)
    actors: Mapped[list[str]] = mapped_column(json_list())
    targets: Mapped[list[str]] = mapped_column(json_list())
    window_start: Mapped[date] = mapped_column(sa.Date)
    first_date: Mapped[date] = mapped_column(sa.Date)
    last_date: Mapped[date] = mapped_column(sa.Date)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    latest_update: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    articles: Mapped[int] = mapped_column(sa.Integer)
    sources: Mapped[int] = mapped_column(sa.Integer)
    outlets: Mapped[list[str]] = mapped_column(json_list())
    article_ids: Mapped[list[str]] = mapped_column(json_list())
    evidence: Mapped[str] = mapped_column(sa.Text)
    escalates_from: Mapped[str | None] = mapped_column(sa.Text)
    # What `alerts.incidents` last announced (broker-acknowledged; NULL sources: never, so `new` is due):
    # storage/incidents.py computes what is due from them, mark_announced records a send.
    announced_sources: Mapped[int | None] = mapped_column(sa.Integer)
    announced_escalates_from: Mapped[str | None] = mapped_column(sa.Text)


class RecodeRunRow(Base):
    """The progress of one `newsmon recode` selection, so a re-run after Ctrl-C continues where it stopped.
    Keyed by a hash of the selection; the cursor is the last article handed on, in (published, id) order."""

    __tablename__ = "recode_runs"

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    selection: Mapped[str] = mapped_column(sa.Text)  # what was asked, for people reading the table
    cursor_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cursor_id: Mapped[str | None] = mapped_column(ARTICLE_ID)
    done: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[int] = mapped_column(sa.Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShadowAnalysisRow(Base):
    """One article as a shadow run coded it (`newsmon recode --shadow`): the whole enriched record, per rules
    version, beside the live rows and never instead of them until `newsmon promote`."""

    __tablename__ = "shadow_analyses"

    rules_version: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    article_id: Mapped[str] = mapped_column(ARTICLE_ID, primary_key=True)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    events: Mapped[int] = mapped_column(sa.Integer)
    record: Mapped[str] = mapped_column(sa.Text)  # schemas.EnrichedArticle as JSON
    coded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PromotionRow(Base):
    """Each `newsmon promote`: which rules version was made live, when, over how many articles."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    rules_version: Mapped[str] = mapped_column(sa.Text, index=True)
    articles: Mapped[int] = mapped_column(sa.Integer)
    promoted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedItemRow(Base):
    """One item `newsmon feeds run` has published: recognised again by its article id or its canonical URL's
    hash, from any source, so a restart or a re-published feed sends nothing twice."""

    __tablename__ = "feed_items"

    article_id: Mapped[str] = mapped_column(ARTICLE_ID, primary_key=True)
    url_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    source: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedSourceRow(Base):
    """One feed source's cursor (what its connector has already read: ETag, Last-Modified, files seen) and
    health (last success, consecutive failures, last error), kept across restarts of the poller."""

    __tablename__ = "feed_sources"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    cursor: Mapped[dict] = mapped_column(sa.JSON)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    items_new: Mapped[int] = mapped_column(sa.Integer, default=0)
    items_rejected: Mapped[int] = mapped_column(sa.Integer, default=0)


metadata = Base.metadata
# The Core tables the repository writes in bulk (a mapped class's __table__ is typed as a FromClause).
articles = cast(sa.Table, ArticleRow.__table__)
entities = cast(sa.Table, EntityRow.__table__)
mentions = cast(sa.Table, MentionRow.__table__)
events = cast(sa.Table, EventRow.__table__)
event_parties = cast(sa.Table, EventPartyRow.__table__)
incident_members = cast(sa.Table, IncidentMemberRow.__table__)
incidents = cast(sa.Table, IncidentRow.__table__)
recode_runs = cast(sa.Table, RecodeRunRow.__table__)
shadow_analyses = cast(sa.Table, ShadowAnalysisRow.__table__)
promotions = cast(sa.Table, PromotionRow.__table__)


feed_items = cast(sa.Table, FeedItemRow.__table__)
feed_sources = cast(sa.Table, FeedSourceRow.__table__)
