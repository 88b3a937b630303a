"""Events remember what was last alerted: events.content_sha256 and events.alerted_sha256.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08

`content_sha256` is the fingerprint of an event's alert content as stored (storage.rows.alert_fingerprint),
`alerted_sha256` the fingerprint of the content whose alert the broker acknowledged. An alert is due when they
differ (a new event, a changed one, or one whose alert was never confirmed), so a replay that changes nothing
publishes nothing. Rows stored before this revision have neither: each of their alertable events is alerted
once more the next time its article is processed, after which it is quiet like the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("alerted_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("alerted_sha256")
        batch.drop_column("content_sha256")
