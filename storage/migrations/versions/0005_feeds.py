"""Feeds: feed_items (what `newsmon feeds run` has published) and feed_sources (each source's cursor and health).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

Written out in full (no imports from storage.models), like 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed_items",
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("url_sha256", sa.String(64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sent_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_feed_items"),
    )
    op.create_index("ix_feed_items_url_sha256", "feed_items", ["url_sha256"])
    op.create_table(
        "feed_sources",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("last_success_at", _ts(), nullable=True),
        sa.Column("last_attempt_at", _ts(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_feed_sources"),
    )


def downgrade() -> None:
    op.drop_table("feed_sources")
    op.drop_index("ix_feed_items_url_sha256", table_name="feed_items")
    op.drop_table("feed_items")
