"""The outbox relay's leases, and rows given up after the provider's horizon (issue 5).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

A relay claims due rows with a lease (``lease_until``, ``claimed_by``), so
several host servers can drain one outbox and a row whose relay died is
taken over once its lease has expired. A row the provider still has not
taken after its retry horizon is "dead", with the reason, instead of being
tried forever.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "status IN ('pending', 'in_flight', 'done', 'failed')"
_NEW = "status IN ('pending', 'in_flight', 'done', 'failed', 'dead')"


def upgrade() -> None:
    """Add the lease columns and the "dead" status to ``outbox``."""
    with op.batch_alter_table("outbox") as batch:
        # Frozen types, as in 0001: sa.DateTime(timezone=True) is what UtcDateTime stores.
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint("status", _NEW)


def downgrade() -> None:
    """Drop them again; dead rows go back to "failed", which keeps their reason."""
    op.execute("UPDATE outbox SET status = 'failed' WHERE status = 'dead'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint("status", _OLD)
        batch.drop_column("claimed_by")
        batch.drop_column("lease_until")
