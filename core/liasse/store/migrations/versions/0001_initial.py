"""Initial schema: contacts, exchanges and their history, outbox, credentials, webhooks, sync cursors.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Migrations are frozen: they spell their types (``sa.DateTime(timezone=True)``
for :class:`liasse.store.models.UtcDateTime`) instead of importing the
models, which will keep changing after this revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table of liasse's first schema."""
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_login", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("user_login", "provider", name=op.f("uq_credentials_user_login_provider")),
    )

    op.create_table(
        "provider_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("provider_account", sa.String(length=255), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("establishment", sa.String(length=255), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint("kind IN ('person', 'organisation')", name=op.f("ck_provider_contacts_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_contacts")),
        sa.UniqueConstraint(
            "provider",
            "provider_account",
            "remote_id",
            name=op.f("uq_provider_contacts_provider_provider_account_remote_id"),
        ),
    )
    op.create_index(
        op.f("ix_provider_contacts_provider_provider_account_account_number"),
        "provider_contacts",
        ["provider", "provider_account", "account_number"],
    )
    op.create_index(
        op.f("ix_provider_contacts_provider_provider_account_email"),
        "provider_contacts",
        ["provider", "provider_account", "email"],
    )

    op.create_table(
        "sync_cursors",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("provider_account", sa.String(length=255), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("synced_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "provider_account", name=op.f("pk_sync_cursors")),
    )

    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("processed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("provider", "event_id", name=op.f("uq_webhook_events_provider_event_id")),
    )
    op.create_index(op.f("ix_webhook_events_processed_at"), "webhook_events", ["processed_at"])

    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("provider_account", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("document_type", sa.String(length=16), nullable=True),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("reminded_at", _utc(), nullable=True),
        sa.Column("done_at", _utc(), nullable=True),
        sa.Column("imported_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "document_type IS NULL OR document_type IN ('rib', 'other')",
            name=op.f("ck_exchanges_document_type"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["provider_contacts.id"],
            name=op.f("fk_exchanges_contact_id_provider_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("provider", "remote_id", name=op.f("uq_exchanges_provider_remote_id")),
    )
    op.create_index(op.f("ix_exchanges_account_number"), "exchanges", ["account_number"])
    op.create_index(op.f("ix_exchanges_contact_id"), "exchanges", ["contact_id"])
    op.create_index(
        op.f("ix_exchanges_provider_provider_account_state"),
        "exchanges",
        ["provider", "provider_account", "state"],
    )

    op.create_table(
        "exchange_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_transitions_exchange_id_exchanges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_transitions")),
    )
    op.create_index(
        op.f("ix_exchange_transitions_exchange_id_at"),
        "exchange_transitions",
        ["exchange_id", "at"],
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("done_at", _utc(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'in_flight', 'done', 'failed')", name=op.f("ck_outbox_status")),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_outbox_exchange_id_exchanges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_exchange_id"), "outbox", ["exchange_id"])
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    """Drop every table of the first schema (children first)."""
    for table in (
        "outbox",
        "exchange_transitions",
        "exchanges",
        "webhook_events",
        "sync_cursors",
        "provider_contacts",
        "credentials",
    ):
        op.drop_table(table)
