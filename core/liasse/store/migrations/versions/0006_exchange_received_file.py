"""An import remembers the file as received when the host got a cleaned copy (untrusted documents).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

When screening removes active content from a received PDF, the host's
users open the cleaned copy (``attachment_id``) and the file exactly as
received is stored beside it; ``received_attachment_id`` says which
attachment that is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``exchanges.received_attachment_id``."""
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("received_attachment_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("exchanges") as batch:
        batch.drop_column("received_attachment_id")
