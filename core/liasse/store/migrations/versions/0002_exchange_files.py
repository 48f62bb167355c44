"""Exchanges remember their files and what the import made of them (DS-20, DS-26 … DS-29).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The tracking list shows each exchange's file name, whether it was
timestamped and which attachment the import made; the import keeps the
received file's SHA-256 so the attachment can be proven to be what the
provider delivered. The outbox keeps what a retried call needs (a send's
files, as paths and SHA-256), so a send interrupted by a provider outage is
re-sent whole, with the same idempotency key. A contact keeps the key of its
creation at the provider.
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
    """Add the file and import columns to ``exchanges``, and the call's arguments to ``outbox``."""
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("file_name", sa.String(255), nullable=True))
        batch.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stamped_attachment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attestation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("iban_record_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
    with op.batch_alter_table("provider_contacts") as batch:
        batch.add_column(sa.Column("creation_key", sa.String(36), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("provider_contacts") as batch:
        batch.drop_column("creation_key")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("payload")
    with op.batch_alter_table("exchanges") as batch:
        for column in ("iban_record_id", "attestation_id", "stamped_attachment_id", "attachment_id", "sha256", "file_size", "file_name"):
            batch.drop_column(column)
