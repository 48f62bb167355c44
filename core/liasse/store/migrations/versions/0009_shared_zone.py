"""Shared zone: exported files, their documents, shares, recipients and notifications (JZ-01 … JZ-08).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

A share is an exchange of kind ``share`` (so it is tracked beside the other
exchanges, BY-01); ``shares`` holds what only a share has.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the five tables."""
    op.create_table(
        "shared_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("provider_account", sa.String(255), nullable=False),
        sa.Column("account_number", sa.String(64), nullable=False),
        sa.Column("matter_code", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("exported_by", sa.String(255), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "provider_account", "number", name="uq_shared_files_provider_provider_account_number"),
    )
    op.create_index("ix_shared_files_account_number_matter_code", "shared_files", ["account_number", "matter_code"])
    op.create_table(
        "shared_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "shared_file_id",
            sa.Integer(),
            sa.ForeignKey("shared_files.id", ondelete="CASCADE", name="fk_shared_documents_shared_file_id_shared_files"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(255), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("source_attachment_id", sa.Integer(), nullable=True),
        sa.Column(
            "outbox_id",
            sa.Integer(),
            sa.ForeignKey("outbox.id", ondelete="SET NULL", name="fk_shared_documents_outbox_id_outbox"),
            nullable=True,
        ),
        sa.Column("added_by", sa.String(255), nullable=True),
        sa.Column("replaces_remote_id", sa.String(255), nullable=True),
        sa.Column(
            "share_exchange_id",
            sa.Integer(),
            sa.ForeignKey("exchanges.id", ondelete="SET NULL", name="fk_shared_documents_share_exchange_id_exchanges"),
            nullable=True,
        ),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shared_file_id", "remote_id", name="uq_shared_documents_shared_file_id_remote_id"),
        sa.CheckConstraint("direction IN ('sent', 'returned')", name="ck_shared_documents_direction"),
    )
    op.create_index("ix_shared_documents_outbox_id", "shared_documents", ["outbox_id"])
    op.create_table(
        "shares",
        sa.Column(
            "exchange_id",
            sa.Integer(),
            sa.ForeignKey("exchanges.id", ondelete="CASCADE", name="fk_shares_exchange_id_exchanges"),
            primary_key=True,
        ),
        sa.Column(
            "shared_file_id",
            sa.Integer(),
            sa.ForeignKey("shared_files.id", ondelete="CASCADE", name="fk_shares_shared_file_id_shared_files"),
            nullable=False,
        ),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("notify_on_completion", sa.Boolean(), nullable=False),
        sa.Column("document_ids", sa.Text(), nullable=False),
    )
    op.create_table(
        "share_recipients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "exchange_id",
            sa.Integer(),
            sa.ForeignKey("exchanges.id", ondelete="CASCADE", name="fk_share_recipients_exchange_id_exchanges"),
            nullable=False,
        ),
        sa.Column("party_ref", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("may_modify", sa.Boolean(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("exchange_id", "party_ref", name="uq_share_recipients_exchange_id_party_ref"),
    )
    op.create_table(
        "share_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column(
            "exchange_id",
            sa.Integer(),
            sa.ForeignKey("exchanges.id", ondelete="CASCADE", name="fk_share_notifications_exchange_id_exchanges"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("party_ref", sa.String(64), nullable=True),
        sa.Column("document_remote_id", sa.String(255), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "event_id", name="uq_share_notifications_provider_event_id"),
    )
    op.create_index("ix_share_notifications_exchange_id_at", "share_notifications", ["exchange_id", "at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_share_notifications_exchange_id_at", table_name="share_notifications")
    op.drop_table("share_notifications")
    op.drop_table("share_recipients")
    op.drop_table("shares")
    op.drop_index("ix_shared_documents_outbox_id", table_name="shared_documents")
    op.drop_table("shared_documents")
    op.drop_index("ix_shared_files_account_number_matter_code", table_name="shared_files")
    op.drop_table("shared_files")
