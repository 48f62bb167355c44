"""``liasse <provider> …``: the exchange desk from a terminal (DS-01 … DS-34).

One click group per exchange provider (``liasse docsecure …``), made by
:func:`exchange_group`; the root command finds it lazily from the installed
``liasse.plugins`` entry points. Every command is a thin wrapper over
:class:`liasse.desk.ExchangeDesk`: it turns options into the desk's records,
calls one desk method and prints what came back. Words are French first
(English with ``--lang en`` or ``LIASSE_LANG=en``); state words come from the
state machines; ``--json`` gives ISO dates for machines.

Credentials are asked at first use (DS-01): when a command finds none for the
user and the terminal is interactive, the login and password are prompted,
stored, tested, and the command runs once more. Without a terminal the
sentence of :class:`~liasse.errors.CredentialsMissing` is printed, exit 1.

This module is imported when a provider group is looked up (``liasse --help``
included): keep its top-level imports light; the desk loads inside commands.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from liasse_hostapi.errors import HostLookupError
from liasse_hostapi.records import AccountingDocumentKind

from liasse.errors import AccessDenied, CredentialsMissing, HostRecordMissing, LiasseError
from liasse.messages import default_lang

if TYPE_CHECKING:
    from liasse.app import Liasse
    from liasse.desk import Contact, ContactForm, ContactSummary, Exchange, ExchangeDesk

F = TypeVar("F", bound=Callable[..., Any])

#: The accounting documents ``send --document`` can generate (participations go by ``--participation``).
DOCUMENT_KINDS = tuple(k.value for k in AccountingDocumentKind if k is not AccountingDocumentKind.PARTICIPATION_INVOICE)
#: Every state word ``track --state`` accepts: requests' and sends' stored values.
STATE_VALUES = ("pending", "sent", "reminded", "to_import", "imported", "done", "failed", "cancelled", "expired")

_DOCUMENT_WORDS: dict[str, tuple[str, str]] = {
    "account_extract": ("Extrait de compte", "Account extract"),
    "full_statement": ("Relevé de compte complet", "Full account statement"),
    "last_trade_notice": ("Dernier avis d'opéré", "Last trade notice"),
    "fee_statement": ("État de frais", "Fee statement"),
    "deed_invoice": ("Facture d'acte", "Deed invoice"),
    "participation_invoice": ("Facture de participation", "Participation invoice"),
}
_MATTER_WORDS: dict[str, tuple[str, str]] = {
    "active": ("en cours", "active"),
    "project": ("en projet", "project"),
    "closed": ("clôturée", "closed"),
}
_PARTICIPATION_WORDS: dict[str, tuple[str, str]] = {
    "open": ("ouverte", "open"),
    "closed": ("soldée", "closed"),
    "cancelled": ("annulée", "cancelled"),
    "credit_note": ("avoir", "credit note"),
}
def _t(fr: str, en: str) -> str:
    """The French words, or the English ones with ``LIASSE_LANG=en``."""
    return en if default_lang() == "en" else fr


def _interactive() -> bool:
    """Whether a person can answer prompts: stdin is a terminal."""
    return sys.stdin is not None and sys.stdin.isatty()


# --- the group and its commands' machinery --------------------------------------------


class _DeskCommand(click.Command):
    """A desk command: asks the credentials at first use, then runs once more (DS-01)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CredentialsMissing as missing:
            if not _interactive():
                raise
            _ask_credentials(ctx, missing)
        return super().invoke(ctx)


class _ExchangeGroup(click.Group):
    """The provider's commands in the order a user meets them; errors as one line, exit 1."""

    command_class = _DeskCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        from liasse.cli import _fail

        try:
            return super().invoke(ctx)
        except LiasseError as exc:
            _fail(str(exc))
        except HostLookupError as exc:
            _fail(str(HostRecordMissing.of(exc)))


def _command(name: str) -> Callable[[Callable[..., Any]], _DeskCommand]:
    """``@_command("name")``: a desk command (credentials asked at first use)."""
    return click.command(name, cls=_DeskCommand)


def _ask_credentials(ctx: click.Context, missing: CredentialsMissing) -> None:
    """Prompt a user's provider login and password, store them, and test them."""
    from liasse.secrets import Secret

    liasse = _liasse(ctx)
    provider, user_login, title = missing.params["provider"], missing.params["user"], missing.params["title"]
    user = liasse.host.office.user(user_login)
    click.echo(
        _t(
            f"Première utilisation de {title} par {user.full_name} ({user_login}) : saisissez les identifiants du compte {title}.",
            f"First use of {title} by {user.full_name} ({user_login}): enter the {title} account's credentials.",
        ),
        err=True,
    )
    login = click.prompt(_t(f"Identifiant {title} (e-mail)", f"{title} login (e-mail)"), default=user.email, err=True)
    password = click.prompt(_t("Mot de passe", "Password"), hide_input=True, err=True)
    liasse.connect(provider, user_login, login, Secret(password))
    try:
        report = liasse.check_access(provider, user_login)
    except AccessDenied:
        # Refused credentials are not kept: the next use asks again.
        liasse.reset_credentials(provider, user_login)
        raise
    click.echo(
        _t(
            f"{provider} : identifiants enregistrés, accès vérifié ({report.account}).",
            f"{provider}: credentials saved, access checked ({report.account}).",
        ),
        err=True,
    )


def _liasse(ctx: click.Context) -> Liasse:
    """The office, opened once per command line and closed with it."""
    obj = ctx.obj
    if obj.get("liasse") is None:
        from liasse.app import Liasse

        obj["liasse"] = liasse = Liasse.open(obj.get("config"), safe_mode=obj.get("safe_mode") or None)
        ctx.find_root().call_on_close(liasse.close)
    opened: Liasse = obj["liasse"]
    return opened


def _desk(ctx: click.Context) -> ExchangeDesk:
    """The acting user's desk on the group's provider, on their own account or ``--as`` another's."""
    obj = ctx.obj
    return _liasse(ctx).desk(obj["provider"], obj["user"], account_owner=obj["account_owner"])


def exchange_group(provider: str) -> click.Group:
    """The ``liasse <provider> …`` commands of an exchange provider."""

    @click.group(name=provider, cls=_ExchangeGroup)
    @click.option(
        "--user",
        "user_login",
        required=True,
        envvar="LIASSE_USER",
        metavar="LOGIN",
        help="The host user acting (default: LIASSE_USER).",
    )
    @click.option(
        "--as",
        "account_owner",
        metavar="OTHER_USER",
        help="Show another user's provider account (DS-33; needs the right).",
    )
    @click.pass_context
    def group(ctx: click.Context, user_login: str, account_owner: str | None) -> None:
        base = dict(ctx.obj) if isinstance(ctx.obj, dict) else {"config": None, "safe_mode": False}
        ctx.obj = {**base, "provider": provider, "user": user_login, "account_owner": account_owner}

    group.help = (
        f"Secure document exchange through {provider}: contacts, requests, sends, tracking, imports "
        f"(échange sécurisé de documents : contacts, demandes, envois, suivi, import)."
    )
    group.short_help = f"{provider}: exchange desk (contacts, requests, sends, tracking, imports)."
    for command in _COMMANDS:
        group.add_command(command)
    return group


# --- output helpers ---------------------------------------------------------------


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Plain text columns aligned on their widest cell."""
    lines = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _when(ctx: click.Context, moment: dt.datetime | None) -> str:
    """A moment in the office's time zone, as French screens write it."""
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    obj = ctx.obj
    if "timezone" not in obj:
        obj["timezone"] = ZoneInfo(_liasse(ctx).host.office.office().timezone)
    return moment.astimezone(obj["timezone"]).strftime("%d/%m/%Y %H:%M")


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _kind_word(contact: Contact) -> str:
    return _t("Organisation", "Organisation") if contact.kind.value == "organisation" else _t("Personne", "Person")


def _no_account() -> str:
    return _t("(sans compte)", "(no account)")


def _contact_rows(contacts: Sequence[Contact]) -> None:
    _table(
        ["N°", _t("Nom", "Name"), _t("Type", "Kind"), "E-mail", _t("Portable", "Mobile"), _t("Compte", "Account")],
        [
            [str(c.id), c.display_name(), _kind_word(c), c.email, c.mobile or "", c.account_number or _no_account()]
            for c in contacts
        ],
    )


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "kind": contact.kind.value,
        "display_name": contact.display_name(),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "mobile": contact.mobile,
        "establishment": contact.establishment,
        "archived": contact.archived,
        "account_number": contact.account_number,
        "remote_id": contact.remote_id,
        "created_by": contact.created_by,
        "created_at": _iso(contact.created_at),
    }


def _contact_line(contact: Contact) -> str:
    account = contact.account_number or _no_account()
    return f"{contact.id} {contact.display_name()} ({_kind_word(contact)}, {contact.email}, {_t('compte', 'account')} {account})"


def _exchange_kind_word(exchange: Exchange) -> str:
    return exchange.kind.label()


def _document_type_word(exchange: Exchange) -> str:
    if exchange.document_type is None:
        return ""
    return "RIB" if exchange.document_type.value == "rib" else _t("Autre", "Other")


def _exchange_line(exchange: Exchange) -> str:
    return f"{_exchange_kind_word(exchange)} n° {exchange.id} « {exchange.label} » : {exchange.state.label()}"


def _exchange_json(exchange: Exchange) -> dict[str, Any]:
    return {
        "id": exchange.id,
        "kind": exchange.kind.value,
        "document_type": exchange.document_type.value if exchange.document_type else None,
        "label": exchange.label,
        "account_number": exchange.account_number,
        "contact_id": exchange.contact_id,
        "shared_with": exchange.shared_with,
        "state": exchange.state.value,
        "state_label": exchange.state.label(),
        "created_at": _iso(exchange.created_at),
        "sent_at": _iso(exchange.sent_at),
        "reminded_at": _iso(exchange.reminded_at),
        "done_at": _iso(exchange.done_at),
        "imported_at": _iso(exchange.imported_at),
        "stamped": exchange.stamped,
        "file_name": exchange.file_name,
        "file_size": exchange.file_size,
        "attachment_id": exchange.attachment_id,
        "stamped_attachment_id": exchange.stamped_attachment_id,
        "received_attachment_id": exchange.received_attachment_id,
        "attestation_id": exchange.attestation_id,
        "iban_record_id": exchange.iban_record_id,
        "last_error": exchange.last_error,
        "created_by": exchange.created_by,
    }


def _summary_json(summary: ContactSummary) -> dict[str, Any]:
    return {
        "contact": _contact_json(summary.contact),
        "progress": summary.progress.value,
        "progress_label": summary.progress.label(),
        "open": summary.open_count,
        "to_import": summary.to_import_count,
        "done": summary.done_count,
    }


def _words(table: dict[str, tuple[str, str]], value: str) -> str:
    fr, en = table.get(value, (value, value))
    return _t(fr, en)


# --- contact options shared by contact-add, contact-edit and request --new-contact ------------------


def _contact_options(function: F) -> F:
    options = [
        click.option("--first", "first_name", help="Prénom / first name."),
        click.option("--last", "last_name", help="Nom / last name."),
        click.option("--email", help="E-mail: the contact receives the link there."),
        click.option("--mobile", help="Mobile for the SMS code (a person): 06 54 55 99 87, +32 470 …"),
        click.option(
            "--organisation/--person",
            "organisation",
            default=None,
            help="Organisation (code by e-mail, DS-04) or person (code by SMS, the default).",
        ),
        click.option("--establishment", help="The organisation's name (DS-04)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _form(
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    mobile: str | None,
    organisation: bool | None,
    establishment: str | None,
    current: Contact | None = None,
) -> ContactForm:
    """The contact form from the options; for an edit, what is not given stays as it is."""
    from liasse.desk import ContactForm
    from liasse.records import ContactKind

    if organisation is None:
        kind = current.kind if current is not None else ContactKind.PERSON
    else:
        kind = ContactKind.ORGANISATION if organisation else ContactKind.PERSON

    def pick(given: str | None, kept: str | None) -> str | None:
        return given if given is not None else (kept if current is not None else None)

    return ContactForm(
        kind=kind,
        first_name=pick(first_name, current.first_name if current else None) or "",
        last_name=pick(last_name, current.last_name if current else None) or "",
        email=pick(email, current.email if current else None) or "",
        mobile=pick(mobile, current.mobile if current else None),
        establishment=pick(establishment, current.establishment if current else None),
    )


# --- contacts (DS-03 … DS-11, DS-30, DS-31) ----------------------------------------------


@_command("contacts")
@click.argument("account", required=False)
@click.option(
    "--archived/--active", "archived", default=None, help="Archived contacts only, or active ones only (DS-11)."
)
@click.option("--unlinked", is_flag=True, help="Only contacts with no account (DS-30, DS-31).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def contacts_command(
    ctx: click.Context, account: str | None, archived: bool | None, unlinked: bool, as_json: bool
) -> None:
    """List the provider account's contacts, of ACCOUNT or all (DS-06, DS-11)."""
    contacts = _desk(ctx).contacts(account, archived=archived, unlinked=unlinked)
    if as_json:
        _echo_json([_contact_json(c) for c in contacts])
    elif not contacts:
        click.echo(_t("Aucun contact.", "No contacts."))
    else:
        _contact_rows(contacts)


@_command("contact-add")
@click.argument("account", required=False)
@_contact_options
@click.option("--update-account", is_flag=True, help="Write the e-mail and mobile back to the account (DS-03).")
@click.pass_context
def contact_add(
    ctx: click.Context,
    account: str | None,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    mobile: str | None,
    organisation: bool | None,
    establishment: str | None,
    update_account: bool,
) -> None:
    """Create a contact for ACCOUNT, or with no account yet: a future client (DS-03, DS-04, DS-30)."""
    form = _form(first_name, last_name, email, mobile, organisation, establishment)
    contact = _desk(ctx).create_contact(form, account, update_account=update_account)
    click.echo(_t("Contact créé : ", "Contact created: ") + _contact_line(contact))


@_command("contact-edit")
@click.argument("contact_id", metavar="ID", type=int)
@_contact_options
@click.option("--update-account", is_flag=True, help="Write the e-mail and mobile back to the account (DS-07).")
@click.pass_context
def contact_edit(
    ctx: click.Context,
    contact_id: int,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    mobile: str | None,
    organisation: bool | None,
    establishment: str | None,
    update_account: bool,
) -> None:
    """Change a contact here and at the provider; options not given stay as they are (DS-07)."""
    desk = _desk(ctx)
    form = _form(first_name, last_name, email, mobile, organisation, establishment, current=desk.contact(contact_id))
    contact = desk.update_contact(contact_id, form, update_account=update_account)
    click.echo(_t("Contact modifié : ", "Contact changed: ") + _contact_line(contact))


@_command("contact-delete")
@click.argument("contact_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def contact_delete(ctx: click.Context, contact_id: int, yes: bool) -> None:
    """Delete a contact at the provider and here; its exchanges keep their history (DS-08)."""
    desk = _desk(ctx)
    contact = desk.contact(contact_id)
    if not yes:
        click.confirm(
            _t(
                f"Supprimer le contact {contact.display_name()} chez {desk.info.title} et dans liasse ?",
                f"Delete contact {contact.display_name()} at {desk.info.title} and in liasse?",
            ),
            abort=True,
        )
    desk.delete_contact(contact_id)
    click.echo(_t(f"Contact {contact_id} supprimé.", f"Contact {contact_id} deleted."))


@_command("contact-archive")
@click.argument("contact_id", metavar="ID", type=int)
@click.pass_context
def contact_archive(ctx: click.Context, contact_id: int) -> None:
    """Archive a contact, mirrored at the provider; it is reactivated when used (DS-09)."""
    contact = _desk(ctx).archive_contact(contact_id)
    click.echo(_t("Contact archivé : ", "Contact archived: ") + _contact_line(contact))


@_command("contact-unarchive")
@click.argument("contact_id", metavar="ID", type=int)
@click.pass_context
def contact_unarchive(ctx: click.Context, contact_id: int) -> None:
    """Reactivate an archived contact (DS-11)."""
    contact = _desk(ctx).unarchive_contact(contact_id)
    click.echo(_t("Contact réactivé : ", "Contact reactivated: ") + _contact_line(contact))


@_command("contact-link")
@click.argument("contact_id", metavar="ID", type=int)
@click.argument("account")
@click.pass_context
def contact_link(ctx: click.Context, contact_id: int, account: str) -> None:
    """Associate a contact with no account (future client, or created on the provider's site) to ACCOUNT (DS-30, DS-31)."""
    contact = _desk(ctx).associate(contact_id, account)
    click.echo(_t("Contact associé : ", "Contact associated: ") + _contact_line(contact))


@_command("site-contacts")
@click.pass_context
def site_contacts(ctx: click.Context) -> None:
    """Contacts created on the provider's own site and linked to no account, to associate (DS-31)."""
    desk = _desk(ctx)
    contacts = desk.provider_site_contacts()
    if not contacts:
        click.echo(
            _t(
                f"Aucun contact sans compte chez {desk.info.title}.",
                f"No contact without an account at {desk.info.title}.",
            )
        )
        return
    _contact_rows(contacts)
    click.echo(_t("Associez-les avec « contact-link ID COMPTE ».", "Associate them with 'contact-link ID ACCOUNT'."))


@_command("archive-candidates")
@click.option(
    "--months",
    type=click.IntRange(min=0),
    help="Exchanges ended at least this long ago (default: the office's constant, 3).",
)
@click.option("--archive", "archive", is_flag=True, help="Archive every contact listed.")
@click.pass_context
def archive_candidates(ctx: click.Context, months: int | None, archive: bool) -> None:
    """Active contacts whose exchanges all ended months ago, to archive in a batch (DS-10)."""
    desk = _desk(ctx)
    candidates = desk.archive_candidates(months)
    if not candidates:
        click.echo(_t("Aucun contact à archiver.", "No contact to archive."))
        return
    _contact_rows(candidates)
    if archive:
        archived = desk.archive_contacts([c.id for c in candidates])
        click.echo(_t(f"{len(archived)} contact(s) archivé(s).", f"{len(archived)} contact(s) archived."))


# --- requests and sends (DS-12 … DS-18) ----------------------------------------------------


@_command("request")
@click.argument("account", required=False)
@click.option("--contact", "contact_id", type=int, help="The contact asked (its id, see 'contacts').")
@click.option("--new-contact", is_flag=True, help="Create the contact from the contact options on the way (DS-12).")
@_contact_options
@click.option("--rib", "document_type", flag_value="rib", help="Ask for a RIB (DS-12).")
@click.option("--other", "document_type", flag_value="other", help="Ask for another document (DS-13).")
@click.option("--label", default="", help="What the contact reads in the e-mail (mandatory).")
@click.pass_context
def request_command(
    ctx: click.Context,
    account: str | None,
    contact_id: int | None,
    new_contact: bool,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    mobile: str | None,
    organisation: bool | None,
    establishment: str | None,
    document_type: str | None,
    label: str,
) -> None:
    """Ask a contact of ACCOUNT for a RIB or another document (DS-12, DS-13)."""
    from liasse.records import DocumentType

    if (contact_id is None) == (not new_contact):
        raise click.UsageError(
            _t(
                "Indiquez --contact ID ou --new-contact (pas les deux).",
                "Give --contact ID or --new-contact (not both).",
            )
        )
    if document_type is None:
        raise click.UsageError(_t("Choisissez --rib ou --other.", "Choose --rib or --other."))
    contact: int | ContactForm = (
        contact_id
        if contact_id is not None
        else _form(first_name, last_name, email, mobile, organisation, establishment)
    )
    exchange = _desk(ctx).request_document(contact, DocumentType(document_type), label, account_number=account)
    click.echo(_exchange_line(exchange))


@_command("send")
@click.argument("account", required=False)
@click.option("--contact", "contact_id", type=int, required=True, help="The contact the documents go to.")
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A file from disk (repeatable).",
)
@click.option(
    "--attachment",
    "attachments",
    multiple=True,
    type=int,
    help="An attachment id of the host (repeatable, DS-16, DS-18).",
)
@click.option(
    "--document",
    "kinds",
    multiple=True,
    type=click.Choice(DOCUMENT_KINDS),
    help="An accounting document to generate (repeatable, DS-17).",
)
@click.option(
    "--matter",
    "matters",
    multiple=True,
    help="A matter code for the per-matter documents (default: every active matter).",
)
@click.option(
    "--participation", "participations", multiple=True, type=int, help="A participation invoice id (repeatable)."
)
@click.option("--office-rib", is_flag=True, help="Add the office's RIB for the account's kind.")
@click.option("--name", default=None, help="The send's name (default: « Document(s) transmis par <étude> »).")
@click.pass_context
def send_command(
    ctx: click.Context,
    account: str | None,
    contact_id: int,
    files: tuple[Path, ...],
    attachments: tuple[int, ...],
    kinds: tuple[str, ...],
    matters: tuple[str, ...],
    participations: tuple[int, ...],
    office_rib: bool,
    name: str | None,
) -> None:
    """Send documents of ACCOUNT to a contact under one name (DS-16, DS-17, DS-18)."""
    from liasse.desk import DocumentSelection

    selection = DocumentSelection(
        kinds=frozenset(AccountingDocumentKind(k) for k in kinds),
        matters=matters,
        participations=participations,
        office_rib=office_rib,
        attachments=attachments,
        files=files,
    )
    exchange = _desk(ctx).send_documents(contact_id, selection, name=name, account_number=account)
    click.echo(_exchange_line(exchange))
    if exchange.file_name:
        click.echo(_t(f"Fichier : {exchange.file_name}", f"File: {exchange.file_name}"))


@_command("send-rib")
@click.argument("account", required=False)
@click.option("--contact", "contact_id", type=int, required=True, help="The contact the RIB goes to.")
@click.option("--bank", "bank_code", help="The office bank account (default by account kind: 5421 DCN or 512 CAV).")
@click.option("--rib", "rib_label", help="The RIB of that bank account (default: its first).")
@click.option(
    "--file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A new RIB file, saved on the IBAN record first.",
)
@click.option("--label", help="The send's label, after the office's name (default: « RIB <compte> »).")
@click.pass_context
def send_rib(
    ctx: click.Context,
    account: str | None,
    contact_id: int,
    bank_code: str | None,
    rib_label: str | None,
    file: Path | None,
    label: str | None,
) -> None:
    """Send the office's RIB to a contact (DS-15)."""
    exchange = _desk(ctx).send_office_rib(
        contact_id, account_number=account, bank_code=bank_code, rib_label=rib_label, file=file, label=label
    )
    click.echo(_exchange_line(exchange))


@_command("choices")
@click.argument("account")
@click.pass_context
def choices_command(ctx: click.Context, account: str) -> None:
    """What a send for ACCOUNT can include: documents, matters, participations, attachments, office RIBs (DS-15, DS-17)."""
    desk = _desk(ctx)
    choices = desk.send_choices(account)
    ribs = desk.office_rib_choices(account)
    click.echo(_t("Documents du compte (--document) :", "Account documents (--document):"))
    for kind in choices.account_documents:
        click.echo(f"  {kind.value:<20} {_words(_DOCUMENT_WORDS, kind.value)}")
    click.echo(
        _t("Documents par affaire (--document, avec --matter) :", "Per-matter documents (--document, with --matter):")
    )
    for kind in choices.matter_documents:
        click.echo(f"  {kind.value:<20} {_words(_DOCUMENT_WORDS, kind.value)}")
    click.echo(
        _t(
            "Affaires (--matter ; par défaut : les affaires en cours) :",
            "Matters (--matter; default: the active ones):",
        )
    )
    if not choices.matters:
        click.echo(_t("  aucune", "  none"))
    for matter in choices.matters:
        default = _t(" (par défaut)", " (default)") if matter.code in choices.default_matters else ""
        click.echo(f"  {matter.code:<12} {matter.title}  [{_words(_MATTER_WORDS, matter.status.value)}]{default}")
    click.echo(
        _t(
            "Factures de participation (--participation), les plus récentes d'abord :",
            "Participation invoices (--participation), newest first:",
        )
    )
    if not choices.participations:
        click.echo(_t("  aucune", "  none"))
    for p in choices.participations:
        number = (
            _t(f"n° {p.number}", f"no. {p.number}") if p.number is not None else _t("non numérotée", "not numbered")
        )
        state = _words(_PARTICIPATION_WORDS, p.state.value)
        click.echo(
            f"  {p.id:<4} {number:<16} {state:<10} {p.entry_date.strftime('%d/%m/%Y')}  {p.amount:>10}  {p.label}"
        )
    click.echo(_t("Pièces jointes du compte (--attachment) :", "Account attachments (--attachment):"))
    if not choices.attachments:
        click.echo(_t("  aucune", "  none"))
    for attachment in choices.attachments:
        click.echo(f"  {attachment.id:<4} {attachment.file_name}  ({attachment.title})")
    click.echo(
        _t("Comptes bancaires de l'étude (send-rib --bank, --rib) :", "Office bank accounts (send-rib --bank, --rib):")
    )
    for bank in ribs.bank_accounts:
        default = _t(" (par défaut)", " (default)") if bank.code == ribs.default_code else ""
        labels = ", ".join(r.label for r in bank.ribs) or _t("aucun RIB", "no RIB")
        click.echo(f"  {bank.code:<10} {bank.label}  RIB : {labels}{default}")


# --- tracking (DS-19 … DS-25, DS-32) ----------------------------------------------------


@_command("track")
@click.option("--account", help="One account's exchanges, in every state (DS-21).")
@click.option("--all", "all_", is_flag=True, help="Include ended exchanges (the global view hides them, DS-20).")
@click.option("--name", "name_contains", help="Contact name or label containing this text.")
@click.option(
    "--state", "states", multiple=True, type=click.Choice(STATE_VALUES), help="Only these states (repeatable)."
)
@click.option(
    "--type", "document_type", type=click.Choice(["rib", "other"]), help="Only requests for this document type."
)
@click.option("--no-sync", is_flag=True, help="Show what liasse knows without asking the provider first.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def track(
    ctx: click.Context,
    account: str | None,
    all_: bool,
    name_contains: str | None,
    states: tuple[str, ...],
    document_type: str | None,
    no_sync: bool,
    as_json: bool,
) -> None:
    """Where exchanges stand: the list, each contact's summary and the counter (DS-19 … DS-22)."""
    from liasse.desk import ExchangeFilter
    from liasse.records import DocumentType
    from liasse.states import RequestState, SendState

    desk = _desk(ctx)
    if not no_sync:
        desk.sync()
    filters = ExchangeFilter(
        account_number=account,
        name_contains=name_contains,
        request_states=frozenset(s for s in RequestState if s.value in states),
        send_states=frozenset(s for s in SendState if s.value in states),
        document_type=DocumentType(document_type) if document_type else None,
        include_done=all_ or account is not None,
    )
    exchanges = desk.exchanges(filters)
    summaries = desk.contact_summaries(name_contains=name_contains, account_number=account)
    counter = desk.counter(account)
    if as_json:
        _echo_json(
            {
                "exchanges": [_exchange_json(e) for e in exchanges],
                "contacts": [_summary_json(s) for s in summaries],
                "to_import": counter.count,
            }
        )
        return
    yes, no = _t("oui", "yes"), _t("non", "no")
    if exchanges:
        _table(
            [
                "N°",
                _t("Type", "Type"),
                _t("Document", "Document"),
                _t("Libellé", "Label"),
                _t("Compte", "Account"),
                _t("Partagé avec", "Shared with"),
                _t("Créé le", "Created"),
                _t("Relancé le", "Reminded"),
                _t("Reçu/Téléchargé le", "Received/Downloaded"),
                _t("État", "State"),
                _t("Horodaté", "Timestamped"),
                _t("Fichier", "File"),
            ],
            [
                [
                    str(e.id),
                    _exchange_kind_word(e),
                    _document_type_word(e),
                    e.label,
                    e.account_number or "",
                    e.shared_with,
                    _when(ctx, e.created_at),
                    _when(ctx, e.reminded_at),
                    _when(ctx, e.done_at),
                    e.state.label(),
                    yes if e.stamped else no,
                    e.file_name or "",
                ]
                for e in exchanges
            ],
        )
    else:
        click.echo(_t("Aucun échange.", "No exchanges."))
    if summaries:
        click.echo("")
        click.echo(_t("Par contact :", "By contact:"))
        for s in summaries:
            account_text = s.contact.account_number or _no_account()
            click.echo(
                f"  {s.contact.display_name()} ({account_text}) : {s.progress.label()}"
                + _t(
                    f" — {s.open_count} en attente, {s.to_import_count} à récupérer, {s.done_count} terminé(s)",
                    f" — {s.open_count} awaiting, {s.to_import_count} to import, {s.done_count} done",
                )
            )
    click.echo("")
    click.echo(_t(f"Documents à importer : {counter.count}", f"Documents to import: {counter.count}"))


@_command("alerts")
@click.argument("account")
@click.pass_context
def alerts_command(ctx: click.Context, account: str) -> None:
    """What the user is told when ACCOUNT is opened (DS-23)."""
    alerts = _desk(ctx).alerts(account)
    if not alerts:
        click.echo(_t(f"Aucune alerte pour le compte {account}.", f"No alerts for account {account}."))
    for alert in alerts:
        click.echo(alert.text())


@_command("counter")
@click.argument("account", required=False)
@click.pass_context
def counter_command(ctx: click.Context, account: str | None) -> None:
    """Received documents left to import, for ACCOUNT or the whole provider account (DS-22)."""
    counter = _desk(ctx).counter(account)
    click.echo(_t(f"Documents à importer : {counter.count}", f"Documents to import: {counter.count}"))


@_command("sync")
@click.pass_context
def sync_command(ctx: click.Context) -> None:
    """Bring every exchange's state up to date from the provider (DS-20, DS-25)."""
    report = _desk(ctx).sync()
    click.echo(
        _t(
            f"Synchronisation : {len(report.changed)} échange(s) mis à jour, {len(report.received)} document(s) reçu(s) ({report.pages} page(s)).",
            f"Sync: {len(report.changed)} exchange(s) updated, {len(report.received)} document(s) received ({report.pages} page(s)).",
        )
    )


# --- reminders, retries, imports, attestations (DS-24 … DS-29) ----------------------------------


@_command("remind")
@click.argument("exchange_id", metavar="ID", type=int)
@click.option("--sms", is_flag=True, help="Remind by e-mail and SMS (default: e-mail).")
@click.pass_context
def remind_command(ctx: click.Context, exchange_id: int, sms: bool) -> None:
    """Remind the contact of an exchange; the provider allows one per 24 hours (DS-24)."""
    from liasse.records import ReminderChannel

    exchange = _desk(ctx).remind(exchange_id, ReminderChannel.MAIL_AND_SMS if sms else ReminderChannel.MAIL)
    channel = _t("e-mail et SMS", "e-mail and SMS") if sms else "e-mail"
    click.echo(
        _t(
            f"Relance envoyée par {channel} le {_when(ctx, exchange.reminded_at)}. ",
            f"Reminder sent by {channel} on {_when(ctx, exchange.reminded_at)}. ",
        )
        + _exchange_line(exchange)
    )


@_command("retry")
@click.argument("exchange_id", metavar="ID", type=int)
@click.pass_context
def retry_command(ctx: click.Context, exchange_id: int) -> None:
    """Send again a request or send the provider did not take, under its first key."""
    click.echo(_exchange_line(_desk(ctx).retry(exchange_id)))


@_command("import")
@click.argument("exchange_id", metavar="ID", type=int)
@click.option("--stamp/--no-stamp", default=None, help="Make a timestamped copy (default: the user's options, DS-28).")
@click.option("--iban", help="The RIB's IBAN, when it could not be read (DS-26).")
@click.option("--bic", help="The RIB's BIC, with --iban.")
@click.option("--holder", help="The account holder, with --iban.")
@click.option("--account", help="Associate a contact with no account to this one on the way (DS-30).")
@click.option("--show-iban", is_flag=True, help="Print the IBAN in full (masked as FR76 **** … 1234 otherwise).")
@click.pass_context
def import_command(
    ctx: click.Context,
    exchange_id: int,
    stamp: bool | None,
    iban: str | None,
    bic: str | None,
    holder: str | None,
    account: str | None,
    show_iban: bool,
) -> None:
    """Import a received document onto its account: attachments and, for a RIB, the IBAN record (DS-26, DS-27)."""
    from liasse.masking import mask_iban, mask_ibans
    from liasse.records import BankDetails

    # S4: a terminal's scrollback and a CI log keep what is printed; the full IBAN only when asked for.
    shown: Callable[[str], str] = (lambda text: text) if show_iban else mask_ibans

    if iban is None and (bic or holder):
        raise click.UsageError(_t("--bic et --holder accompagnent --iban.", "--bic and --holder go with --iban."))
    details = BankDetails(iban=iban, bic=bic, holder=holder) if iban else None
    result = _desk(ctx).import_document(exchange_id, stamp=stamp, bank_details=details, account_number=account)
    exchange = result.exchange
    click.echo(
        _exchange_line(exchange) + _t(f", compte {exchange.account_number}", f", account {exchange.account_number}")
    )
    original = result.original
    click.echo(
        _t(
            f"Pièce jointe n° {original.id} : {original.file_name} ({original.origin})",
            f"Attachment #{original.id}: {original.file_name} ({original.origin})",
        )
    )
    if result.stamped is not None:
        stamped = result.stamped
        click.echo(
            _t(
                f"Copie horodatée n° {stamped.id} : {stamped.file_name}",
                f"Timestamped copy #{stamped.id}: {stamped.file_name}",
            )
        )
    if result.iban_record is not None:
        record = result.iban_record
        click.echo(
            _t(
                f"Fiche IBAN n° {record.id} : {record.iban if show_iban else mask_iban(record.iban)} BIC {record.bic or '—'}, titulaire {record.holder}",
                f"IBAN record #{record.id}: {record.iban if show_iban else mask_iban(record.iban)} BIC {record.bic or '—'}, holder {record.holder}",
            )
        )
    for warning in result.warnings:
        click.echo(
            _t(
                f"Attention ({warning.severity.value}) : {shown(warning.message('fr'))}",
                f"Warning ({warning.severity.value}): {shown(warning.message('en'))}",
            )
        )
    if result.stamp_note:
        click.echo(_t(f"Horodatage : {result.stamp_note}", f"Timestamp: {result.stamp_note}"))
    if result.received is not None:
        received = result.received
        click.echo(
            _t(
                f"Tel que reçu n° {received.id} : {received.file_name} (ouvrez-le en connaissance de cause)",
                f"As received #{received.id}: {received.file_name} (open it knowingly)",
            )
        )
    if result.active_content_note:
        click.echo(_t(f"Sécurité : {result.active_content_note}", f"Security: {result.active_content_note}"))


@_command("attestation")
@click.argument("exchange_id", metavar="ID", type=int)
@click.pass_context
def attestation_command(ctx: click.Context, exchange_id: int) -> None:
    """Get the provider's attestation of an exchange, stored as an attachment of its account (DS-29)."""
    attachment = _desk(ctx).attestation(exchange_id)
    click.echo(
        _t(
            f"Attestation enregistrée : pièce jointe n° {attachment.id}, fichier {attachment.file_name}",
            f"Attestation saved: attachment #{attachment.id}, file {attachment.file_name}",
        )
    )


#: Every provider group's commands, in the order help lists them.
_COMMANDS: tuple[click.Command, ...] = (
    contacts_command,
    contact_add,
    contact_edit,
    contact_delete,
    contact_archive,
    contact_unarchive,
    contact_link,
    site_contacts,
    archive_candidates,
    request_command,
    send_command,
    send_rib,
    choices_command,
    track,
    alerts_command,
    counter_command,
    sync_command,
    remind_command,
    retry_command,
    import_command,
    attestation_command,
)
