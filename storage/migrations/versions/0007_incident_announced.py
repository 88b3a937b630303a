"""Incident announcements at least once: what `alerts.incidents` last announced of each incident (acknowledged by
the broker), so what is due is stored with the incident and a re-delivered batch sends it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

announced_sources NULL: the incident was never announced (its `new` is due). Incidents stored before this
revision were announced at most once already: they start as announced with what they hold now.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("announced_sources", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("announced_escalates_from", sa.Text(), nullable=True))
    op.execute("UPDATE incidents SET announced_sources = sources, announced_escalates_from = escalates_from")


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("announced_escalates_from")
        batch.drop_column("announced_sources")
