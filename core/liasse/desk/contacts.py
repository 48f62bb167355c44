"""Contacts of a provider account (DS-03 … DS-11, DS-30, DS-31).

A contact is written to liasse's store first, then created at the provider:
if the provider is down the contact is kept and created on its next use,
with the same idempotency key, so it is never created twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from liasse_hostapi.records import Account, AccountKind, DirectoryEntry

from liasse.audit import Action, audited
from liasse.desk.base import DeskBase, to_contact
from liasse.desk.records import ENDED_STATES, Contact, ContactForm, Prefill
from liasse.errors import EmailInvalid, FieldMissing
from liasse.phones import normalise_mobile
from liasse.records import ContactDraft, ContactKind
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import ProviderContact, new_idempotency_key, utcnow

#: Field names as the contact form labels them, for "this field is mandatory".
_FIELD_WORDS: dict[str, tuple[str, str]] = {
    "first_name": ("Prénom", "First name"),
    "last_name": ("Nom", "Last name"),
    "email": ("E-mail", "E-mail"),
    "mobile": ("Téléphone portable", "Mobile phone"),
    "establishment": ("Établissement", "Establishment"),
}
#: Stored states of an ended exchange (DS-10 looks at when each ended).
_ENDED_STATES = frozenset(state.value for state in ENDED_STATES)


class ContactsMixin(DeskBase):
    """Create, change, archive and associate contacts."""

    # --- prefill (DS-03, DS-05) ---------------------------------------------------

    def prefill(self, account_number: str) -> Prefill:
        """The new-contact form for ``account_number`` (DS-03, DS-04).

        Email and mobile come from the account for its first contact only;
        an organisation is proposed for a general account or a legal entity.
        """
        account = self.host.accounts.account(account_number)
        first = not self.contacts(account_number=account_number)
        form = _form_from_account(account)
        if not first:
            form = ContactForm(kind=form.kind, first_name="", last_name="", establishment=form.establishment)
        return Prefill(form=form, source=f"{account.number} {account.title}")

    def prefill_from_account(self, account_number: str, other_number: str) -> Prefill:
        """The form filled from another account or party found by search, or an associated one (DS-05)."""
        target = self.host.accounts.account(account_number)
        other = self.host.accounts.account(other_number)
        form = _form_from_account(other)
        kind = ContactKind.ORGANISATION if _is_organisation(target) else form.kind
        establishment = form.establishment or (target.title if kind is ContactKind.ORGANISATION else None)
        mobile = form.mobile if kind is ContactKind.PERSON else None
        prefilled = ContactForm(kind, form.first_name, form.last_name, form.email, mobile, establishment)
        return Prefill(form=prefilled, source=f"{other.number} {other.title}")

    def associated_accounts(self, account_number: str) -> list[Account]:
        """The accounts already associated with this one, to prefill from (DS-05)."""
        account = self.host.accounts.account(account_number)
        return [self.host.accounts.account(number) for number in account.associated]

    def search_accounts(self, text: str, limit: int = 20) -> Sequence[Account]:
        """Accounts and parties matching ``text`` (DS-05 "another account")."""
        return self.host.accounts.search(text, limit)

    def search_directory(self, text: str, limit: int = 20) -> list[DirectoryEntry]:
        """Hits of the host's external client directory (DS-05)."""
        return list(self.host.directory.search(text, limit))

    def prefill_from_directory(self, entry: DirectoryEntry, kind: ContactKind = ContactKind.PERSON) -> Prefill:
        """The form filled from a client directory entry (DS-05)."""
        form = ContactForm(
            kind=kind,
            first_name=entry.first_name or "",
            last_name=entry.last_name or entry.name,
            email=entry.email or "",
            mobile=entry.mobile if kind is ContactKind.PERSON else None,
            establishment=entry.name if kind is ContactKind.ORGANISATION else None,
        )
        return Prefill(form=form, source=entry.source)

    # --- reading ---------------------------------------------------------------------

    def contacts(
        self,
        account_number: str | None = None,
        *,
        archived: bool | None = None,
        unlinked: bool = False,
        name_contains: str | None = None,
    ) -> list[Contact]:
        """The provider account's contacts, by name (DS-06, DS-11).

        ``archived``: None for all, True for archived only, False for active
        only. ``unlinked``: only contacts with no account (DS-30, DS-31).
        """
        query = sa.select(ProviderContact).where(
            ProviderContact.provider == self.provider, ProviderContact.provider_account == self.provider_account
        )
        if account_number is not None:
            query = query.where(ProviderContact.account_number == account_number)
        if unlinked:
            query = query.where(ProviderContact.account_number.is_(None))
        if archived is not None:
            query = query.where(ProviderContact.archived.is_(archived))
        if name_contains:
            pattern = f"%{name_contains.strip().lower()}%"
            query = query.where(
                sa.or_(
                    sa.func.lower(ProviderContact.last_name).like(pattern),
                    sa.func.lower(ProviderContact.first_name).like(pattern),
                    sa.func.lower(sa.func.coalesce(ProviderContact.establishment, "")).like(pattern),
                )
            )
        query = query.order_by(ProviderContact.last_name, ProviderContact.first_name, ProviderContact.id)
        with self.liasse.store.session() as session:
            return [to_contact(row) for row in session.scalars(query)]

    def contact(self, contact_id: int) -> Contact:
        """One contact."""
        with self.liasse.store.session() as session:
            return to_contact(self._contact_row(session, contact_id))

    # --- writing -----------------------------------------------------------------------

    @audited(Action.CONTACT_CREATE)
    def create_contact(
        self, form: ContactForm, account_number: str | None = None, *, update_account: bool = False
    ) -> Contact:
        """Create a contact for ``account_number``, or with no account yet (DS-30).

        ``update_account`` writes the email and mobile back to the account
        (DS-03 "Mettre à jour les informations sur la fiche du compte").
        """
        draft = self._checked(form, account_number)
        if account_number is not None:
            self.host.accounts.account(account_number)
        with self.liasse.store.session() as session:
            row = self._new_row(draft, remote_id=None, archived=False)
            session.add(row)
        if update_account and account_number is not None:
            self.host.accounts.update_contact_details(account_number, email=draft.email, mobile=draft.mobile)
        contact = self._ensure_remote(row.id)
        self.liasse.hooks.contact_created(self.provider, contact.id, account_number)
        return contact

    @audited(Action.CONTACT_UPDATE)
    def update_contact(self, contact_id: int, form: ContactForm, *, update_account: bool = False) -> Contact:
        """Change a contact here and at the provider (DS-07), optionally writing back to the account."""
        current = self.contact(contact_id)
        draft = self._checked(form, current.account_number)
        if current.remote_id is not None:
            self.liasse.hooks.update_contact(self.ctx, current.remote_id, draft)
        with self.liasse.store.session() as session:
            row = self._contact_row(session, contact_id)
            row.kind, row.first_name, row.last_name = draft.kind.value, draft.first_name, draft.last_name
            row.email, row.mobile, row.establishment = draft.email, draft.mobile, draft.establishment
        if update_account and current.account_number is not None:
            self.host.accounts.update_contact_details(current.account_number, email=draft.email, mobile=draft.mobile)
        return self._ensure_remote(contact_id)

    @audited(Action.CONTACT_DELETE)
    def delete_contact(self, contact_id: int) -> None:
        """Delete a contact at the provider and here (DS-08); its exchanges keep their history."""
        current = self.contact(contact_id)
        if current.remote_id is not None:
            self.liasse.hooks.delete_contact(self.ctx, current.remote_id)
        with self.liasse.store.session() as session:
            session.delete(self._contact_row(session, contact_id))

    @audited(Action.CONTACT_ARCHIVE)
    def archive_contact(self, contact_id: int) -> Contact:
        """Archive a contact, mirrored at the provider (DS-09)."""
        return self._set_archived(contact_id, True)

    @audited(Action.CONTACT_UNARCHIVE)
    def unarchive_contact(self, contact_id: int) -> Contact:
        """Reactivate an archived contact, mirrored at the provider (DS-11)."""
        return self._set_archived(contact_id, False)

    def archive_candidates(self, months: int | None = None, *, now: dt.datetime | None = None) -> list[Contact]:
        """Active contacts whose exchanges all ended at least ``months`` ago (DS-10).

        ``months`` defaults to the office constant (3). A contact with no
        exchange at all is proposed once it is that old.
        """
        months = self.host.office.office().constants.archive_after_months if months is None else months
        cutoff = (now or utcnow()) - dt.timedelta(days=round(months * 30.44))
        chosen: list[Contact] = []
        with self.liasse.store.session() as session:
            rows = session.scalars(
                sa.select(ProviderContact).where(
                    ProviderContact.provider == self.provider,
                    ProviderContact.provider_account == self.provider_account,
                    ProviderContact.archived.is_(False),
                )
            )
            for row in rows:
                exchanges = row.exchanges
                if not exchanges:
                    ended = row.created_at <= cutoff
                else:
                    ended = all(e.state in _ENDED_STATES and _ended_at(e) <= cutoff for e in exchanges)
                if ended:
                    chosen.append(to_contact(row))
        return sorted(chosen, key=lambda c: (c.last_name, c.first_name))

    @audited(Action.CONTACT_ARCHIVE)
    def archive_contacts(self, contact_ids: Iterable[int]) -> list[Contact]:
        """Archive a selection (DS-10 "archiver la sélection")."""
        return [self.archive_contact(contact_id) for contact_id in contact_ids]

    @audited(Action.CONTACT_ASSOCIATE)
    def associate(self, contact_id: int, account_number: str) -> Contact:
        """Link a contact with no account (DS-30) or created on the provider's site (DS-31) to an account."""
        self.host.accounts.account(account_number)
        current = self.contact(contact_id)
        if current.remote_id is not None:
            self.liasse.hooks.update_contact(self.ctx, current.remote_id, _draft_of(current, account_number))
        with self.liasse.store.session() as session:
            row = self._contact_row(session, contact_id)
            row.account_number = account_number
            # The contact's exchanges made before it had an account now belong to it (DS-30).
            for exchange in row.exchanges:
                if exchange.account_number is None:
                    exchange.account_number = account_number
        return self.contact(contact_id)

    def provider_site_contacts(self) -> list[Contact]:
        """Contacts created on the provider's own site, not linked to any account (DS-31).

        They are recorded here, unlinked, so they can be associated.
        """
        listing = self.liasse.hooks.list_contacts(self.ctx)
        with self.liasse.store.session() as session:
            known = set(
                session.scalars(
                    sa.select(ProviderContact.remote_id).where(
                        ProviderContact.provider == self.provider,
                        ProviderContact.provider_account == self.provider_account,
                    )
                )
            )
            for remote in listing.contacts:
                if remote.remote_id in known or remote.details is None:
                    continue
                session.add(self._new_row(remote.details, remote_id=remote.remote_id, archived=remote.archived))
        return self.contacts(unlinked=True)

    def _new_row(self, draft: ContactDraft, *, remote_id: str | None, archived: bool) -> ProviderContact:
        """A contact row of this provider account, linked to the draft's account (None: not yet)."""
        return ProviderContact(
            provider=self.provider,
            provider_account=self.provider_account,
            remote_id=remote_id,
            kind=draft.kind.value,
            first_name=draft.first_name,
            last_name=draft.last_name,
            email=draft.email,
            mobile=draft.mobile,
            establishment=draft.establishment,
            archived=archived,
            created_by=self.user_login,
            account_number=draft.account_number,
        )

    # --- shared with the sending side --------------------------------------------------

    def _ensure_remote(self, contact_id: int) -> Contact:
        """The contact, created at the provider first if it is not yet (provider down at creation)."""
        contact = self.contact(contact_id)
        if contact.remote_id is not None:
            return contact
        with self.liasse.store.session() as session:
            row = self._contact_row(session, contact_id)
            if row.creation_key is None:
                row.creation_key = new_idempotency_key()
            key = row.creation_key
        remote = self.liasse.hooks.create_contact(self.ctx, _draft_of(contact, contact.account_number), key)
        with self.liasse.store.session() as session:
            self._contact_row(session, contact_id).remote_id = remote.remote_id
        return self.contact(contact_id)

    def _ready_contact(self, contact_id: int) -> Contact:
        """A contact about to be used: at the provider, and reactivated if archived (DS-09)."""
        contact = self._ensure_remote(contact_id)
        return self.unarchive_contact(contact_id) if contact.archived else contact

    def _set_archived(self, contact_id: int, archived: bool) -> Contact:
        current = self._ensure_remote(contact_id)
        if current.archived != archived and current.remote_id is not None:
            self.liasse.hooks.archive_contact(self.ctx, current.remote_id, archived)
        with self.liasse.store.session() as session:
            self._contact_row(session, contact_id).archived = archived
        return self.contact(contact_id)

    def _checked(self, form: ContactForm, account_number: str | None) -> ContactDraft:
        """The form cleaned and checked: mandatory fields, e-mail, mobile (DS-03, DS-04)."""
        person = form.kind is ContactKind.PERSON
        what_fr = "Contact de type Personne" if person else "Contact de type Organisation"
        what_en = "Person contact" if person else "Organisation contact"
        required = ["first_name", "last_name", "email"] + (["mobile"] if person else ["establishment"])
        values = {name: (getattr(form, name) or "").strip() for name in _FIELD_WORDS}
        for name in required:
            if not values[name]:
                field_fr, field_en = _FIELD_WORDS[name]
                raise FieldMissing(what_fr=what_fr, what_en=what_en, field_fr=field_fr, field_en=field_en)
        try:
            email = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise EmailInvalid(email=values["email"], reason=str(exc)) from None
        return ContactDraft(
            kind=form.kind,
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=email,
            # DS-04: an organisation has no mobile; its second factor goes by e-mail.
            mobile=normalise_mobile(values["mobile"]) if person else None,
            establishment=None if person else values["establishment"],
            account_number=account_number,
        )


def _is_organisation(account: Account) -> bool:
    return account.kind is AccountKind.GENERAL or account.legal_entity


def _form_from_account(account: Account) -> ContactForm:
    """DS-03, DS-04: what an account tells of its contact."""
    first, last = account.first_name, account.last_name
    if _is_organisation(account):
        return ContactForm(ContactKind.ORGANISATION, first or "", last or "", account.email or "", None, account.title)
    if not (first or last):
        # Titles read "MARTIN JACQUES": surname first, as the ledger writes them.
        last, _, first = account.title.partition(" ")
    if first and first.isupper():
        # Ledgers write first names in capitals; the e-mail greets "Jacques", not "JACQUES".
        first = first.title()
    return ContactForm(ContactKind.PERSON, first or "", last or "", account.email or "", account.mobile)


def _draft_of(contact: Contact, account_number: str | None) -> ContactDraft:
    return ContactDraft(
        kind=contact.kind,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        mobile=contact.mobile,
        establishment=contact.establishment,
        account_number=account_number,
    )


def _ended_at(row: ExchangeRow) -> dt.datetime:
    """When an ended exchange ended: imported, downloaded, or its last change."""
    moments = [m for m in (row.imported_at, row.done_at) if m is not None]
    moments += [t.at for t in row.transitions]
    return max(moments, default=row.created_at)
