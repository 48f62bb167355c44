"""Puts the demo office of :mod:`liasse_hostapi.reference.demo_data` into a host database, once."""

from __future__ import annotations

import io

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.records import NewAttachment, NewIbanRecord, OwnerKind, OwnerRef
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.attachments import insert_attachment
from liasse_hostapi.reference.demo_data import (
    ACCOUNTS,
    BANK_ACCOUNTS,
    CLIENT_IBANS,
    DIRECTORY,
    FILES,
    LEDGER,
    LETTERS,
    MATTERS,
    MATTER_PARTIES,
    OFFICE,
    PARTICIPATIONS,
    USERS,
)
from liasse_hostapi.reference.demo_documents import rib_pdf, simple_pdf
from liasse_hostapi.reference.file_store import FileStore, StoredFile
from liasse_hostapi.reference.ibans import insert_iban_record
from liasse_hostapi.reference.money import to_cents

#: Marker row in ``host_meta``: present once the demo data is in.
DEMO_MARKER = "demo_data"
DEMO_VERSION = "1"


class DemoSeedConflict(RuntimeError):
    """The database already holds a host's records that are not the demo's."""


def seed(engine: Engine, files: FileStore) -> bool:
    """Fill an empty host database with the demo office; ``False`` when it already holds it.

    Everything goes in one transaction, and the files written for it are
    removed again if that transaction fails: a crash leaves no half demo.
    """
    written: list[StoredFile] = []
    try:
        with engine.begin() as conn:
            # The marker is written first, so a concurrent seeder waits for this
            # transaction and then finds the marker instead of seeding twice.
            inserted = conn.execute(
                sa.insert(schema.host_meta).prefix_with("OR IGNORE").values(key=DEMO_MARKER, value=DEMO_VERSION)
            ).rowcount
            if not inserted:
                return False
            if conn.execute(sa.select(sa.func.count()).select_from(schema.accounts)).scalar_one():
                raise DemoSeedConflict("the host database already holds accounts: demo data goes into a new file only")
            _seed_office(conn)
            _seed_accounts(conn)
            _seed_ledger(conn)
            _seed_letters(conn)
            _seed_files(conn, files, written)
            _seed_banking(conn, files, written)
            _seed_client_ibans(conn, files, written)
            conn.execute(sa.insert(schema.directory_entries), [attrs.asdict(entry) for entry in DIRECTORY])
    except BaseException:
        for stored in written:
            files.discard(stored.storage_name)
        raise
    return True


def _seed_office(conn: Connection) -> None:
    """The office row, the users, their rights and options."""
    conn.execute(
        sa.insert(schema.office).values(
            id=1,
            code=OFFICE.code,
            name=OFFICE.name,
            email=OFFICE.email,
            timezone=OFFICE.timezone,
            address=OFFICE.address,
            alert_on_documents_to_import=OFFICE.constants.alert_on_documents_to_import,
            archive_after_months=OFFICE.constants.archive_after_months,
        )
    )
    for user in USERS:
        conn.execute(
            sa.insert(schema.users).values(
                login=user.login, first_name=user.first_name, last_name=user.last_name, email=user.email
            )
        )
        for right in sorted(user.rights, key=lambda r: r.value):
            conn.execute(sa.insert(schema.user_rights).values(login=user.login, right=right))
        for provider, options in user.options.items():
            conn.execute(
                sa.insert(schema.provider_options).values(login=user.login, provider=provider, **attrs.asdict(options))
            )


def _seed_accounts(conn: Connection) -> None:
    """Accounts, then their associations, matters and participations."""
    for account in ACCOUNTS:
        values = attrs.asdict(account, recurse=False)
        del values["associated"]
        conn.execute(sa.insert(schema.accounts).values(**values))
    for account in ACCOUNTS:
        for position, associated in enumerate(account.associated):
            conn.execute(
                sa.insert(schema.account_associations).values(
                    account_number=account.number, associated_number=associated, position=position
                )
            )
    conn.execute(sa.insert(schema.matters), [attrs.asdict(matter, recurse=False) for matter in MATTERS])
    conn.execute(
        sa.insert(schema.matter_parties),
        [
            {"matter_code": code, "account_number": number, "role": role, "position": position}
            for code, parties in MATTER_PARTIES.items()
            for position, (number, role) in enumerate(parties)
        ],
    )
    for participation in PARTICIPATIONS:
        values = attrs.asdict(participation, recurse=False)
        values["amount_cents"] = to_cents(values.pop("amount"))
        conn.execute(sa.insert(schema.participations).values(**values))


def _seed_ledger(conn: Connection) -> None:
    """The accounting entries the documents print."""
    for account_number, lines in LEDGER.items():
        for line in lines:
            conn.execute(
                sa.insert(schema.ledger_entries).values(
                    account_number=account_number,
                    matter_code=line.matter_code,
                    entry_date=line.entry_date,
                    label=line.label,
                    category=line.category,
                    debit_cents=to_cents(line.debit),
                    credit_cents=to_cents(line.credit),
                )
            )


def _seed_letters(conn: Connection) -> None:
    """Events, their letter text and their parties in template order."""
    for letter in LETTERS:
        event = letter.event
        conn.execute(
            sa.insert(schema.events).values(
                id=event.id,
                template_code=event.template_code,
                title=event.title,
                account_number=event.account_number,
                matter_code=event.matter_code,
                created_at=event.created_at,
                registered_at=event.registered_at,
                body=letter.body,
            )
        )
        for position, party in enumerate(event.parties):
            conn.execute(
                sa.insert(schema.event_parties).values(event_id=event.id, position=position, **attrs.asdict(party))
            )


def _store(files: FileStore, written: list[StoredFile], content: bytes) -> StoredFile:
    """Write ``content`` to the store and remember it for clean-up on failure."""
    stored = files.store(io.BytesIO(content))
    written.append(stored)
    return stored


def _seed_files(conn: Connection, files: FileStore, written: list[StoredFile]) -> None:
    """Attachments on accounts and events."""
    for demo_file in FILES:
        stored = _store(files, written, simple_pdf(office_name=OFFICE.name, title=demo_file.title, lines=demo_file.lines))
        insert_attachment(
            conn,
            NewAttachment(
                owner=demo_file.owner,
                file_name=demo_file.file_name,
                title=demo_file.title,
                media_type="application/pdf",
                origin=demo_file.origin,
            ),
            stored,
        )


def _seed_iban_with_rib(
    conn: Connection, files: FileStore, written: list[StoredFile], new: NewIbanRecord, holder_address: str
) -> int:
    """An IBAN record and its RIB document attached to it; returns the record's id."""
    record = insert_iban_record(conn, new)
    content = rib_pdf(
        office_name=OFFICE.name,
        holder=new.holder,
        holder_address=holder_address,
        iban=new.iban,
        bic=new.bic or "",
        bank=new.bank or "",
    )
    stored = _store(files, written, content)
    insert_attachment(
        conn,
        NewAttachment(
            owner=OwnerRef(OwnerKind.IBAN_RECORD, str(record.id)),
            file_name=f"RIB_{new.iban[-13:-2]}.pdf",
            title=f"RIB {new.bank}",
            media_type="application/pdf",
            origin="Ajouté",
        ),
        stored,
    )
    return record.id


def _seed_banking(conn: Connection, files: FileStore, written: list[StoredFile]) -> None:
    """The office bank accounts; each RIB is an IBAN record of the bank account's general account."""
    for position, bank_account in enumerate(BANK_ACCOUNTS):
        conn.execute(
            sa.insert(schema.bank_accounts).values(code=bank_account.code, label=bank_account.label, position=position)
        )
        for rib_position, rib in enumerate(bank_account.ribs):
            record_id = _seed_iban_with_rib(
                conn,
                files,
                written,
                NewIbanRecord(
                    account_number=bank_account.account_number,
                    iban=rib.iban,
                    bic=rib.bic,
                    holder=OFFICE.name,
                    bank=rib.bank,
                    origin="RIB de l'étude",
                ),
                OFFICE.address,
            )
            conn.execute(
                sa.insert(schema.ribs).values(
                    bank_account_code=bank_account.code,
                    position=rib_position,
                    label=rib.label,
                    iban_record_id=record_id,
                )
            )


def _seed_client_ibans(conn: Connection, files: FileStore, written: list[StoredFile]) -> None:
    """IBAN records of clients and parties, each with its RIB document."""
    addresses = {account.number: account.postal_address or "" for account in ACCOUNTS}
    for new in CLIENT_IBANS:
        _seed_iban_with_rib(conn, files, written, new, addresses[new.account_number])

