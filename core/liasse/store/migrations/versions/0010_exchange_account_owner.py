"""An exchange remembers whose provider account it went through (DS-33).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

A user with the right may act on a colleague's provider account (DS-33).
When such a request or send is queued (the provider was down), the outbox
relay must send it again through that same account, not the creator's own:
``account_owner`` names the host user whose credentials it uses. Rows
written before it existed went through their creator's account.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``exchanges.account_owner``."""
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("account_owner", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("exchanges") as batch:
        batch.drop_column("account_owner")
