"""Initial schema: articles, entities, mentions, events, event_parties.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Written out in full (no imports from storage.models), so this revision keeps creating exactly this
schema however the models change later. tests check that models and migrations agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARTICLE_ID = sa.String(512)


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _article_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_article_id_articles")


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", ARTICLE_ID, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("published", _ts(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.Text(), nullable=False),
        sa.Column("processed_at", _ts(), nullable=True),
        sa.Column("first_seen_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
    )
    op.create_index("ix_articles_published", "articles", ["published"])
    op.create_index("ix_articles_first_seen_at", "articles", ["first_seen_at"])

    op.create_table(
        "entities",
        sa.Column("article_id", ARTICLE_ID, nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("ambiguous", sa.Boolean(), nullable=False),
        _article_fk("entities"),
        sa.PrimaryKeyConstraint("article_id", "id", name="pk_entities"),
    )
    op.create_index("ix_entities_actor", "entities", ["actor"])

    op.create_table(
        "mentions",
        sa.Column("article_id", ARTICLE_ID, nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _article_fk("mentions"),
        sa.PrimaryKeyConstraint("article_id", "start", "end", "label", name="pk_mentions"),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("article_id", ARTICLE_ID, nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("subtype", sa.Text(), nullable=False),
        sa.Column("actors", _json(), nullable=False),
        sa.Column("targets", _json(), nullable=False),
        sa.Column("certainty", sa.Text(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_start", sa.Integer(), nullable=False),
        sa.Column("evidence_end", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("cameo", sa.Text(), nullable=True),
        sa.Column("goldstein", sa.Float(), nullable=True),
        sa.Column("plover", sa.Text(), nullable=True),
        sa.Column("rules_version", sa.Text(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        _article_fk("events"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_index("ix_events_certainty", "events", ["certainty"])
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_events_event_date", "events", ["event_date"])
    op.create_index("ix_events_type_subtype", "events", ["type", "subtype"])

    op.create_table(
        "event_parties",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.CheckConstraint("role IN ('actor', 'target')", name="ck_event_parties_role"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name="fk_event_parties_event_id_events"),
        sa.PrimaryKeyConstraint("event_id", "role", "code", name="pk_event_parties"),
    )
    op.create_index("ix_event_parties_code_role", "event_parties", ["code", "role"])


def downgrade() -> None:
    for table in ("event_parties", "events", "mentions", "entities", "articles"):
        op.drop_table(table)
