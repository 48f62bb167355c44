"""The exchange desk: what a host's menus call for secure document exchange (DS-01 … DS-34).

::

    desk = liasse.desk("docsecure", "FICH")
    contact = desk.create_contact(ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", …), "2950")
    request = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente")
    desk.sync()
    desk.import_document(request.id)

The desk works on one provider account: the acting user's, or another
user's with the right to see it (DS-33). Its parts, one module each:
:mod:`.contacts`, :mod:`.sending`, :mod:`.tracking`, :mod:`.receiving`.
"""

from __future__ import annotations

from liasse.desk.receiving import ReceivingMixin
from liasse.desk.records import (
    AccountTracking,
    Alert,
    Contact,
    ContactForm,
    ContactProgress,
    ContactSummary,
    Counter,
    DocumentSelection,
    Exchange,
    ExchangeFilter,
    ImportResult,
    OfficeRibChoice,
    Prefill,
    SendChoices,
    SyncReport,
)


class ExchangeDesk(ReceivingMixin):
    """Contacts, requests, sends, tracking and imports for one user on one provider account."""


__all__ = [
    "AccountTracking",
    "Alert",
    "Contact",
    "ContactForm",
    "ContactProgress",
    "ContactSummary",
    "Counter",
    "DocumentSelection",
    "Exchange",
    "ExchangeDesk",
    "ExchangeFilter",
    "ImportResult",
    "OfficeRibChoice",
    "Prefill",
    "SendChoices",
    "SyncReport",
]
