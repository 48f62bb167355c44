"""The audit log: every user action, who, when, on what, through which provider, and its outcome.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

One row per action (see :mod:`liasse.audit`), written in the same
transaction as the action's own rows. It holds names and ids only: never a
secret, an IBAN or an error's sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``audit_log`` and its indexes (by date, and by user, account or provider then date)."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_login", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("account_owner", sa.String(length=255), nullable=True),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.Column("matter_code", sa.String(length=64), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('incomplete', 'ok', 'partial', 'refused', 'failed')", name=op.f("ck_audit_log_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_user_login_at"), "audit_log", ["user_login", "at"])
    op.create_index(op.f("ix_audit_log_account_number_at"), "audit_log", ["account_number", "at"])
    op.create_index(op.f("ix_audit_log_provider_at"), "audit_log", ["provider", "at"])


def downgrade() -> None:
    """Drop the audit log."""
    op.drop_table("audit_log")
