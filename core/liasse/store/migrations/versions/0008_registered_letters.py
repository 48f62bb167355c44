"""Registered letters, consents and payment means links (AR24, AR-03 … AR-12).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

A letter is an exchange of kind "letter" (its state, provider id and outbox
row) plus a ``registered_letters`` row: the event and party it comes from,
the kind of send, the document and the proofs archived on the host.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "registered_letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("exchange_id", sa.Integer(), sa.ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(255), nullable=False),
        sa.Column("party_name", sa.String(255), nullable=False),
        sa.Column("letter_kind", sa.String(16), nullable=False),
        sa.Column("recipient_email", sa.String(320), nullable=True),
        sa.Column("postal_address", sa.String(500), nullable=True),
        sa.Column("colour", sa.Boolean(), nullable=False),
        sa.Column("double_sided", sa.Boolean(), nullable=False),
        sa.Column("document_path", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("document_remote_id", sa.String(255), nullable=True),
        sa.Column("deposit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("negligence_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deposit_proof_id", sa.Integer(), nullable=True),
        sa.Column("outcome_proof_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("exchange_id"),
    )
    op.create_index("ix_registered_letters_event_id", "registered_letters", ["event_id"])
    op.create_table(
        "registered_consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("provider_account", sa.String(255), nullable=False),
        sa.Column("party_key", sa.String(255), nullable=False),
        sa.Column("party_name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("ticked", sa.Boolean(), nullable=False),
        sa.Column("remote_state", sa.String(16), nullable=True),
        sa.Column("remote_id", sa.String(255), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "provider_account", "party_key"),
    )
    op.create_table(
        "registered_payment_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("provider_account", sa.String(255), nullable=False),
        sa.Column("entity", sa.String(255), nullable=False),
        sa.Column("payment_mean_id", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "provider_account", "entity"),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("registered_payment_links")
    op.drop_table("registered_consents")
    op.drop_index("ix_registered_letters_event_id", table_name="registered_letters")
    op.drop_table("registered_letters")
