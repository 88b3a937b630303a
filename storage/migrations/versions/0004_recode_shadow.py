"""Recode and shadow runs: recode_runs (resumable progress), shadow_analyses, promotions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

Written out in full (no imports from storage.models), as 0001 is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARTICLE_ID = sa.String(512)


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recode_runs",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("cursor_time", _ts(), nullable=True),
        sa.Column("cursor_id", ARTICLE_ID, nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("started_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recode_runs"),
    )
    op.create_table(
        "shadow_analyses",
        sa.Column("rules_version", sa.Text(), nullable=False),
        sa.Column("article_id", ARTICLE_ID, nullable=False),
        sa.Column("published", _ts(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("coded_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("rules_version", "article_id", name="pk_shadow_analyses"),
    )
    op.create_index("ix_shadow_analyses_published", "shadow_analyses", ["published"])
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rules_version", sa.Text(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("promoted_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_promotions"),
    )
    op.create_index("ix_promotions_rules_version", "promotions", ["rules_version"])


def downgrade() -> None:
    for table in ("promotions", "shadow_analyses", "recode_runs"):
        op.drop_table(table)
