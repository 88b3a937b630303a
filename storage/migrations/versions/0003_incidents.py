"""Incidents: incident_members (one asserted event as a member of its incident) and incidents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

Written out in full (no imports from storage.models), as 0001 is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARTICLE_ID = sa.String(512)


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "incident_members",
        sa.Column("article_id", ARTICLE_ID, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("party_key", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("subtype", sa.Text(), nullable=False),
        sa.Column("actors", _json(), nullable=False),
        sa.Column("targets", _json(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("outlet", sa.Text(), nullable=False),
        sa.Column("seen", _ts(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "event_id", name="pk_incident_members"),
    )
    op.create_index("ix_incident_members_party_key", "incident_members", ["party_key"])
    op.create_index("ix_incident_members_incident_id", "incident_members", ["incident_id"])

    op.create_table(
        "incidents",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("party_key", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("subtype", sa.Text(), nullable=False),
        sa.Column("actors", _json(), nullable=False),
        sa.Column("targets", _json(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("first_seen", _ts(), nullable=False),
        sa.Column("latest_update", _ts(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("outlets", _json(), nullable=False),
        sa.Column("article_ids", _json(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("escalates_from", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_party_key", "incidents", ["party_key"])
    op.create_index("ix_incidents_type_subtype", "incidents", ["type", "subtype"])
    op.create_index("ix_incidents_first_seen", "incidents", ["first_seen"])
    op.create_index("ix_incidents_latest_update", "incidents", ["latest_update"])


def downgrade() -> None:
    for table in ("incidents", "incident_members"):
        op.drop_table(table)
