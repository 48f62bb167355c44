"""Webhook events are queued for processing: their parsed notice, status, claim and retries (R5).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

The receiver stores each verified event once (the unique constraint on
provider and event id already there) with what its notice says; a worker
claims it under a lease, applies it and marks it done, or records the failure
and when to try again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "status IN ('pending', 'processing', 'done', 'failed', 'dead')"


def upgrade() -> None:
    """Add the notice, status, claim and retry columns to ``webhook_events``."""
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="done"))
        batch.add_column(sa.Column("kind", sa.String(128), nullable=True))
        batch.add_column(sa.Column("remote_ids", sa.Text(), nullable=True))
        batch.add_column(sa.Column("account", sa.String(255), nullable=True))
        batch.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("trusted", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp())
        )
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.create_check_constraint(op.f("ck_webhook_events_status"), sa.text(_STATUSES))
        batch.create_index(op.f("ix_webhook_events_status_next_attempt_at"), ["status", "next_attempt_at"])
    # Rows from before were only ever recorded, never processed: they stay "done". The defaults were
    # for them; the models give every new row its own values.
    with op.batch_alter_table("webhook_events") as batch:
        for column in ("status", "trusted", "attempts", "next_attempt_at"):
            batch.alter_column(column, server_default=None)


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_index(op.f("ix_webhook_events_status_next_attempt_at"))
        batch.drop_constraint(op.f("ck_webhook_events_status"), type_="check")
        for column in (
            "last_error", "claimed_by", "lease_until", "next_attempt_at", "attempts",
            "trusted", "occurred_at", "account", "remote_ids", "kind", "status",
        ):
            batch.drop_column(column)
