"""``liasse <provider> …`` for a shared-zone provider (``liasse juriszone …``): every step of JZ-01 … JZ-08.

One click group per shared-zone provider, made by :func:`sharing_group`;
the root command picks it from the provider's declared capability. Every
command is a thin wrapper over :class:`liasse.sharing.ShareDesk`: options
become its records, one method is called, what came back is printed.
French first (``--lang en`` for English); ``--json`` for machines.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from liasse.messages import default_lang

if TYPE_CHECKING:
    from liasse.app import Liasse
    from liasse.sharing import ShareDesk, ShareView


def _liasse(ctx: click.Context) -> Liasse:
    """The office, opened once per command line and closed with it."""
    obj = ctx.obj
    if obj.get("liasse") is None:
        from liasse.app import Liasse

        obj["liasse"] = opened = Liasse.open(obj.get("config"), safe_mode=obj.get("safe_mode") or None)
        ctx.find_root().call_on_close(opened.close)
    found: Liasse = obj["liasse"]
    return found


def _zone(ctx: click.Context) -> ShareDesk:
    from liasse.sharing import ShareDesk

    return ShareDesk(_liasse(ctx), ctx.obj["provider"], ctx.obj["user"])


def _say(fr: str, en: str) -> None:
    click.echo(en if default_lang() == "en" else fr)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    lines = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _date(value: str) -> dt.date:
    """``JJ/MM/AAAA`` as users type it, or ISO ``AAAA-MM-JJ``."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise click.BadParameter(f"« {value} » n'est pas une date : tapez JJ/MM/AAAA / not a date: type DD/MM/YYYY")


def _json(value: Any) -> str:
    import attrs

    def default(item: Any) -> Any:
        if isinstance(item, dt.datetime | dt.date):
            return item.isoformat()
        if hasattr(item, "value"):
            return item.value
        raise TypeError(type(item).__name__)

    return json.dumps(attrs.asdict(value, recurse=True) if attrs.has(type(value)) else value, default=default, ensure_ascii=False, indent=2)


def _show_share(share: ShareView) -> None:
    click.echo(f"Partage n° {share.id} « {share.title} » - {share.state.label()} - expire le {share.expires_on:%d/%m/%Y}")
    if share.last_error:
        click.echo(f"  {share.last_error}")
    for r in share.recipients:
        flags = ", ".join(
            word
            for word, on in (("modification", r.may_modify), ("notification", r.notify), ("activé", bool(r.activated_at)),
                             ("téléchargé", bool(r.downloaded_at)), ("terminé", bool(r.completed_at)))
            if on
        )
        click.echo(f"  {r.name} <{r.email}> ({r.party_ref}) : {flags or '-'}")
    for notice in share.notices:
        click.echo(f"  {notice.at:%d/%m/%Y %H:%M} {notice.kind} {notice.party_ref or ''} {notice.document_remote_id or ''}".rstrip())


@click.command("export")
@click.argument("account_number")
@click.argument("matter_code")
@click.pass_context
def export_command(ctx: click.Context, account_number: str, matter_code: str) -> None:
    """JZ-02: export a matter with its parties (every party needs an e-mail)."""
    shared = _zone(ctx).export_matter(account_number, matter_code)
    _say(
        f"Dossier {shared.number} « {shared.description} » exporté (n° {shared.id}) avec {len(shared.parties)} intervenants.",
        f"File {shared.number} '{shared.description}' exported (#{shared.id}) with {len(shared.parties)} parties.",
    )
    _table(["réf.", "rôle", "nom", "courriel"], [[p.ref, p.role, p.name, p.email] for p in shared.parties])


@click.command("upload")
@click.argument("shared_file_id", type=int)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--attachment", "attachments", multiple=True, type=int, help="A host attachment id (repeatable).")
@click.pass_context
def upload_command(ctx: click.Context, shared_file_id: int, paths: tuple[Path, ...], attachments: tuple[int, ...]) -> None:
    """JZ-03: upload files and host attachments to an exported file."""
    docs = _zone(ctx).upload(shared_file_id, attachments=attachments, files=paths)
    _table(["n°", "document", "taille", "SHA-256"], [[str(d.id), d.file_name, str(d.size), d.sha256[:16]] for d in docs])


@click.command("documents")
@click.argument("shared_file_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def documents_command(ctx: click.Context, shared_file_id: int, as_json: bool) -> None:
    """The file's documents: sent by the office, returned by recipients, and what was imported."""
    docs = _zone(ctx).documents(shared_file_id)
    if as_json:
        click.echo(json.dumps([json.loads(_json(d)) for d in docs], ensure_ascii=False, indent=2))
        return
    _table(
        ["n°", "sens", "document", "par", "importé", "état"],
        [
            [str(d.id), "envoyé" if d.direction == "sent" else "retourné", d.file_name, d.added_by or "",
             str(d.attachment_id or ""), "À envoyer" if d.remote_id is None else "Chez le prestataire"]
            for d in docs
        ],
    )


@click.command("share")
@click.argument("shared_file_id", type=int)
@click.option("--title", required=True, help="Title of the share.")
@click.option("--expires", required=True, help="Expiry date, DD/MM/YYYY (future only).")
@click.option("--to", "recipients", multiple=True, required=True, metavar="REF[:modify][:silent]",
              help="A party of the file (its ref); ':modify' lets it return documents, ':silent' sends no notification.")
@click.option("--document", "documents", multiple=True, type=int, required=True, help="A document of the file (repeatable).")
@click.option("--comment", default="", help="Merged into the recipients' e-mail.")
@click.option("--notify-me", is_flag=True, help="E-mail me when every recipient is done (JZ-07).")
@click.pass_context
def share_command(
    ctx: click.Context, shared_file_id: int, title: str, expires: str, recipients: tuple[str, ...],
    documents: tuple[int, ...], comment: str, notify_me: bool,
) -> None:
    """JZ-04: share documents of the file with some of its parties until a date."""
    from liasse.sharing import RecipientChoice, ShareForm

    choices = []
    for text in recipients:
        ref, *flags = text.split(":")
        choices.append(RecipientChoice(ref, may_modify="modify" in flags, notify="silent" not in flags))
    form = ShareForm(title, _date(expires), tuple(choices), documents, comment, notify_me)
    _show_share(_zone(ctx).share(shared_file_id, form))


@click.command("sync")
@click.pass_context
def sync_command(ctx: click.Context) -> None:
    """JZ-05 … JZ-08: read what recipients did (activations, downloads, returns, completions, expiries)."""
    report = _zone(ctx).sync()
    _say(
        f"{report.notices} notification(s), {len(report.changed)} partage(s) changé(s), {len(report.returned)} document(s) retourné(s) à importer.",
        f"{report.notices} notice(s), {len(report.changed)} share(s) changed, {len(report.returned)} returned document(s) to import.",
    )
    for doc_id in report.returned:
        click.echo(f"  liasse {ctx.obj['provider']} --user {ctx.obj['user']} import {doc_id}")


@click.command("shares")
@click.option("--account", "account_number")
@click.option("--matter", "matter_code")
@click.pass_context
def shares_command(ctx: click.Context, account_number: str | None, matter_code: str | None) -> None:
    """The shares, newest first, with their state and expiry (JZ-08)."""
    _table(
        ["n°", "titre", "état", "expire le", "destinataires"],
        [
            [str(s.id), s.title, s.state.label(), f"{s.expires_on:%d/%m/%Y}", ", ".join(r.name for r in s.recipients)]
            for s in _zone(ctx).shares(account_number=account_number, matter_code=matter_code)
        ],
    )


@click.command("show")
@click.argument("share_id", type=int)
@click.pass_context
def show_command(ctx: click.Context, share_id: int) -> None:
    """One share: recipients, what they did, notifications received."""
    _show_share(_zone(ctx).share_view(share_id))


@click.command("import")
@click.argument("document_id", type=int)
@click.pass_context
def import_command(ctx: click.Context, document_id: int) -> None:
    """JZ-06: import a returned document as an attachment of the matter (origin, SHA-256, proof)."""
    imported = _zone(ctx).import_returned(document_id)
    _say(
        f"Pièce jointe n° {imported.attachment_id} ({imported.origin}), SHA-256 {imported.sha256}.",
        f"Attachment #{imported.attachment_id} ({imported.origin}), SHA-256 {imported.sha256}.",
    )
    for note in (imported.proof_note, imported.active_content_note):
        if note:
            click.echo(f"  {note}")


@click.command("retry")
@click.pass_context
def retry_command(ctx: click.Context) -> None:
    """Send again the uploads and shares waiting or refused, under their first key."""
    sent = _zone(ctx).retry_pending()
    _say(f"{sent} envoi(s) parti(s).", f"{sent} send(s) went through.")


@click.command("track")
@click.option("--account", "account_number")
@click.option("--matter", "matter_code")
@click.pass_context
def track_command(ctx: click.Context, account_number: str | None, matter_code: str | None) -> None:
    """BY-01: every exchange and share of an account or a matter, whatever the provider."""
    from liasse.sharing import unified_tracking

    items = unified_tracking(_liasse(ctx), account_number=account_number, matter_code=matter_code)
    _table(
        ["n°", "prestataire", "type", "libellé", "état", "avec", "expire le"],
        [
            [str(i.exchange_id), i.provider_title, i.kind, i.label, i.state_label, i.shared_with,
             f"{i.expires_on:%d/%m/%Y}" if i.expires_on else ""]
            for i in items
        ],
    )


_COMMANDS = (
    export_command, upload_command, documents_command, share_command, sync_command,
    shares_command, show_command, import_command, retry_command, track_command,
)


def sharing_group(provider: str) -> click.Group:
    """The ``liasse <provider> …`` commands of a shared-zone provider."""

    @click.group(name=provider)
    @click.option("--user", "user_login", required=True, envvar="LIASSE_USER", metavar="LOGIN", help="The host user acting.")
    @click.pass_context
    def group(ctx: click.Context, user_login: str) -> None:
        base = dict(ctx.obj) if isinstance(ctx.obj, dict) else {"config": None, "safe_mode": False}
        ctx.obj = {**base, "provider": provider, "user": user_login}

    group.help = (
        f"Shared zone through {provider}: export a matter, upload, share, follow, import returns "
        "(zone de partage : export de dossier, ajout de documents, partage, suivi, import des retours)."
    )
    group.short_help = f"{provider}: shared zone (export, upload, share, sync, import)."
    for command in _COMMANDS:
        group.add_command(command)
    return group
