"""The office's own bank accounts and their RIBs (:class:`~liasse_hostapi.protocols.OfficeBanking`)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from liasse_hostapi.records import BankAccount, Rib
from liasse_hostapi.reference import schema


class SqlOfficeBanking:
    """Bank accounts (``512 CAV``, ``5421 DCN``) whose RIBs are IBAN records of their general accounts.

    A RIB's document is the newest file on its IBAN record, so a new RIB
    file saved on that record (DS-15) is the one preselected next time.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def bank_accounts(self) -> Sequence[BankAccount]:
        """Every office bank account with its RIBs, in the office's order."""
        ribs, records, links = schema.ribs, schema.iban_records, schema.iban_record_attachments
        newest_document = (
            sa.select(sa.func.max(links.c.attachment_id))
            .where(links.c.iban_record_id == records.c.id)
            .scalar_subquery()
        )
        with self._engine.connect() as conn:
            accounts = conn.execute(sa.select(schema.bank_accounts).order_by(schema.bank_accounts.c.position)).all()
            rib_rows = conn.execute(
                sa.select(
                    ribs.c.bank_account_code,
                    ribs.c.label,
                    records.c.iban,
                    records.c.bic,
                    records.c.holder,
                    records.c.bank,
                    newest_document.label("attachment_id"),
                    records.c.id.label("iban_record_id"),
                )
                .join(records, records.c.id == ribs.c.iban_record_id)
                .order_by(ribs.c.position, ribs.c.id)
            ).all()
        return tuple(
            BankAccount(
                code=account.code,
                label=account.label,
                ribs=tuple(
                    Rib(
                        label=row.label,
                        iban=row.iban,
                        bic=row.bic or "",
                        holder=row.holder,
                        bank=row.bank or "",
                        attachment_id=row.attachment_id,
                        iban_record_id=row.iban_record_id,
                    )
                    for row in rib_rows
                    if row.bank_account_code == account.code
                ),
            )
            for account in accounts
        )
