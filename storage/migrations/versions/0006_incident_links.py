"""Incident links: what each member says beyond its key (terms) and whether its event had a date of its own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

Both nullable: a member stored before this revision (NULL) counts as dated with nothing said beyond its key,
so it links on its date alone, as it did; the next re-store of its article fills them in.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("incident_members") as batch:
        batch.add_column(sa.Column("dated", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("terms", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident_members") as batch:
        batch.drop_column("terms")
        batch.drop_column("dated")
