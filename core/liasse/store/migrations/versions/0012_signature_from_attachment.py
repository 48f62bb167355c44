"""A signature file can be made from a stored file, whose versions it adds (JS-02, JS-04).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01

A file sent for signature from the host's stored files has no event:
``event_id`` becomes nullable, ``source_attachment_id`` names the stored
file, and ``awaiting_attachment_id`` the version "en attente de signature"
stored when it was sent. Rows written before were all made from events.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``event_id`` nullable; add ``source_attachment_id`` and ``awaiting_attachment_id``."""
    with op.batch_alter_table("signature_files") as batch:
        batch.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("source_attachment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("awaiting_attachment_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the columns; files made from stored files are removed first (they have no event)."""
    op.execute("DELETE FROM signature_files WHERE event_id IS NULL")
    with op.batch_alter_table("signature_files") as batch:
        batch.drop_column("awaiting_attachment_id")
        batch.drop_column("source_attachment_id")
        batch.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
