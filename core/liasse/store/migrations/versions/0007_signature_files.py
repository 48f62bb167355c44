"""Signature files, their signers and the signers' placements (ES-05 … ES-12).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Frozen like every migration: types are spelt out, the models are not imported.
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
    """Create ``signature_files``, ``signature_signers`` and ``signature_placements``."""
    op.create_table(
        "signature_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("provider_account", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column("account_number", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("document_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("proof_path", sa.Text(), nullable=True),
        sa.Column("no_sms", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_files")),
        sa.UniqueConstraint("provider", "remote_id", name=op.f("uq_signature_files_provider_remote_id")),
    )
    op.create_index(
        op.f("ix_signature_files_provider_provider_account_state"), "signature_files", ["provider", "provider_account", "state"]
    )
    op.create_index(op.f("ix_signature_files_account_number"), "signature_files", ["account_number"])
    op.create_index(op.f("ix_signature_files_event_id"), "signature_files", ["event_id"])
    op.create_table(
        "signature_signers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["signature_files.id"], name=op.f("fk_signature_signers_file_id_signature_files"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_signers")),
    )
    op.create_index(op.f("ix_signature_signers_file_id"), "signature_signers", ["file_id"])
    op.create_table(
        "signature_placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("x_mm", sa.Float(), nullable=False),
        sa.Column("y_mm", sa.Float(), nullable=False),
        sa.Column("width_mm", sa.Float(), nullable=False),
        sa.Column("height_mm", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["signature_signers.id"],
            name=op.f("fk_signature_placements_signer_id_signature_signers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_placements")),
    )
    op.create_index(op.f("ix_signature_placements_signer_id"), "signature_placements", ["signer_id"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("signature_placements")
    op.drop_table("signature_signers")
    op.drop_table("signature_files")
