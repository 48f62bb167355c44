"""Tables of the reference host's own database.

One :class:`~sqlalchemy.MetaData` of its own: these are the host's records
(chart of accounts, attachments, IBAN records, letters), not liasse's store.
Enums are stored by their contract value; money as integer cents, so no
amount ever goes through a float.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from liasse_hostapi.records import (
    AccountKind,
    MatterStatus,
    OwnerKind,
    ParticipationDirection,
    ParticipationState,
    Right,
)
from liasse_hostapi.reference.database import UtcDateTime, enum_type


class LedgerCategory(enum.Enum):
    """What an accounting entry stands for; fee statements and deed invoices group by it."""

    FUNDS = "funds"
    FEES = "fees"
    VAT = "vat"
    TAXES = "taxes"
    DISBURSEMENTS = "disbursements"


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: Facts about the database itself, such as whether the demo data is in.
host_meta = sa.Table(
    "host_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)

office = sa.Table(
    "office",
    metadata,
    # One office per host database: the row id is pinned to 1.
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("address", sa.String(512), nullable=False, default=""),
    sa.Column("alert_on_documents_to_import", sa.Boolean, nullable=False),
    sa.Column("archive_after_months", sa.Integer, nullable=False),
    sa.CheckConstraint("id = 1", name="single_office"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("login", sa.String(32), primary_key=True),
    sa.Column("first_name", sa.String(128), nullable=False),
    sa.Column("last_name", sa.String(128), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
)

user_rights = sa.Table(
    "user_rights",
    metadata,
    sa.Column("login", sa.ForeignKey("users.login", ondelete="CASCADE"), primary_key=True),
    sa.Column("right", enum_type(Right), primary_key=True),
)

provider_options = sa.Table(
    "provider_options",
    metadata,
    sa.Column("login", sa.ForeignKey("users.login", ondelete="CASCADE"), primary_key=True),
    sa.Column("provider", sa.String(64), primary_key=True),
    sa.Column("link_enabled", sa.Boolean, nullable=False),
    sa.Column("auto_stamp_rib", sa.Boolean, nullable=False),
    sa.Column("auto_stamp_other", sa.Boolean, nullable=False),
    sa.Column("see_other_users_contacts", sa.Boolean, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("kind", enum_type(AccountKind), nullable=False),
    sa.Column("legal_entity", sa.Boolean, nullable=False),
    sa.Column("email", sa.String(255)),
    sa.Column("mobile", sa.String(64)),
    sa.Column("first_name", sa.String(128)),
    sa.Column("last_name", sa.String(128)),
    sa.Column("postal_address", sa.String(512)),
)

account_associations = sa.Table(
    "account_associations",
    metadata,
    sa.Column("account_number", sa.ForeignKey("accounts.number", ondelete="CASCADE"), primary_key=True),
    sa.Column("associated_number", sa.ForeignKey("accounts.number", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

matters = sa.Table(
    "matters",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), nullable=False, index=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("status", enum_type(MatterStatus), nullable=False),
)

matter_parties = sa.Table(
    "matter_parties",
    metadata,
    sa.Column("matter_code", sa.ForeignKey("matters.code", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), primary_key=True),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), nullable=False, index=True),
    sa.Column("matter_code", sa.ForeignKey("matters.code")),
    sa.Column("entry_date", sa.Date, nullable=False),
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("category", enum_type(LedgerCategory), nullable=False),
    sa.Column("debit_cents", sa.Integer, nullable=False, default=0),
    sa.Column("credit_cents", sa.Integer, nullable=False, default=0),
)

participations = sa.Table(
    "participations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), nullable=False, index=True),
    sa.Column("direction", enum_type(ParticipationDirection), nullable=False),
    sa.Column("entry_date", sa.Date, nullable=False),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("label", sa.String(255), nullable=False),
    # Invoice numbers are office-wide; NULL until numbered (several NULLs are allowed).
    sa.Column("number", sa.Integer, unique=True),
    sa.Column("state", enum_type(ParticipationState), nullable=False),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_kind", enum_type(OwnerKind), nullable=False),
    sa.Column("owner_key", sa.String(64), nullable=False),
    # The user's name for the file: metadata only, never part of a path.
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(127), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("origin", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("original_id", sa.ForeignKey("attachments.id")),
    # Generated name of the file in the files folder.
    sa.Column("storage_name", sa.String(64), nullable=False, unique=True),
    sa.Index("ix_attachments_owner", "owner_kind", "owner_key"),
)

iban_records = sa.Table(
    "iban_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), nullable=False, index=True),
    sa.Column("iban", sa.String(34), nullable=False),
    sa.Column("bic", sa.String(11)),
    sa.Column("holder", sa.String(255), nullable=False),
    sa.Column("bank", sa.String(255)),
    sa.Column("origin", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # BY-02: a record with a danger warning pays nobody until a user confirms it.
    sa.Column("confirmed_by", sa.String(64)),
    sa.Column("confirmed_at", UtcDateTime),
)

#: BY-02 findings kept with an IBAN record made from a received RIB.
iban_record_warnings = sa.Table(
    "iban_record_warnings",
    metadata,
    sa.Column("iban_record_id", sa.ForeignKey("iban_records.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

iban_record_attachments = sa.Table(
    "iban_record_attachments",
    metadata,
    sa.Column("iban_record_id", sa.ForeignKey("iban_records.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("attachment_id", sa.ForeignKey("attachments.id"), primary_key=True),
)

bank_accounts = sa.Table(
    "bank_accounts",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

#: A RIB of an office bank account is an IBAN record of its general account,
#: so a new RIB file saved on that IBAN record (DS-15) is what the next send offers.
ribs = sa.Table(
    "ribs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("bank_account_code", sa.ForeignKey("bank_accounts.code"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("iban_record_id", sa.ForeignKey("iban_records.id"), nullable=False, unique=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("template_code", sa.String(64), nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("account_number", sa.ForeignKey("accounts.number"), nullable=False, index=True),
    sa.Column("matter_code", sa.ForeignKey("matters.code")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("registered_at", UtcDateTime),
    #: The letter's text, paragraphs separated by blank lines.
    sa.Column("body", sa.Text, nullable=False),
)

event_parties = sa.Table(
    "event_parties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("account_number", sa.ForeignKey("accounts.number")),
    sa.Column("first_name", sa.String(128)),
    sa.Column("last_name", sa.String(128)),
    sa.Column("email", sa.String(255)),
    sa.Column("mobile", sa.String(64)),
    sa.Column("postal_address", sa.String(512)),
)

#: The external client directory (DS-05), kept as a table so the demo needs no network.
directory_entries = sa.Table(
    "directory_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("first_name", sa.String(128)),
    sa.Column("last_name", sa.String(128)),
    sa.Column("email", sa.String(255)),
    sa.Column("mobile", sa.String(64)),
    sa.Column("account_number", sa.String(32)),
)
