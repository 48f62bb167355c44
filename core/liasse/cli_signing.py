"""``liasse <provider> …`` for e-signature providers (ESign): every step of a signature file from a terminal.

::

    liasse esign --user FICH create 4          # ES-06: the event's letter, rendered, timestamped, status 0
    liasse esign --user FICH show 1            # signers, their boxes, the state
    liasse esign --user FICH edit-signer 1 2 --mobile "06 01 02 03 04"   # ES-07 (E.164)
    liasse esign --user FICH place 1 2 --box 1,20,15 --box 2,20,15       # ES-05/ES-11 (page,x_mm,y_mm[,w,h])
    liasse esign --user FICH send 1            # ES-08: status 1
    liasse esign --user FICH refresh           # ES-10: polling; signed files archived (status 2)
    liasse esign --user FICH files --state signed   # ES-11

Kept light to import: the desk loads inside commands.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from liasse.cli_exchange import _ExchangeGroup, _liasse, _t, _table

if TYPE_CHECKING:
    from liasse.signing import Placement, SignatureFile, SigningDesk

STATES = ("to_send", "awaiting", "signed", "declined", "expired", "cancelled")
REASONS = ("contractualization_aborted", "errors_in_document", "other")


def _desk(ctx: click.Context) -> SigningDesk:
    from liasse.signing import SigningDesk

    obj = ctx.obj
    return SigningDesk(_liasse(ctx), obj["provider"], obj["user"])


def _show(made: SignatureFile) -> None:
    """A file with its signers and boxes, in the user's language."""
    click.echo(f"{_t('Dossier', 'File')} {made.id} : {made.label}")
    click.echo(f"  {_t('État', 'State')} : {made.state.label()}" + (f" ({made.remote_id})" if made.remote_id else ""))
    # JS-02: a file made from a stored file has no event; it names the attachment it came from.
    origin = (
        f"{_t('événement', 'event')} {made.event_id}"
        if made.event_id is not None
        else f"{_t('pièce jointe', 'attachment')} {made.source_attachment_id}"
    )
    click.echo(f"  {_t('Compte', 'Account')} {made.account_number}, {origin}, {made.file_name}")
    if made.proof_path:
        click.echo(f"  {_t('Horodatage', 'Timestamp')} : {made.proof_path}")
    if made.signed_at:
        click.echo(f"  {_t('Reçu signé le', 'Signed document received')} {made.signed_at:%d/%m/%Y %H:%M} UTC, {_t('pièce jointe', 'attachment')} {made.attachment_id}")
    if made.last_error:
        click.echo(f"  {_t('Dernière erreur', 'Last error')} : {made.last_error}")
    rows = [
        (
            str(s.id),
            s.role + (" +" if s.added else ""),
            s.full_name,
            s.email or "-",
            s.mobile or "-",
            " ".join(f"p{p.page}:{p.x_mm:g},{p.y_mm:g}" for p in s.placements),
        )
        for s in made.signers
    ]
    _table((_t("N°", "No"), _t("Rôle", "Role"), _t("Nom", "Name"), "E-mail", _t("Portable", "Mobile"), _t("Positions (mm)", "Boxes (mm)")), rows)


def _boxes(values: Iterable[str]) -> list[Placement]:
    """``page,x_mm,y_mm[,width_mm,height_mm]`` as placements, or a sentence saying which one is wrong."""
    from liasse.signing import Placement

    boxes = []
    for value in values:
        parts = value.split(",")
        try:
            numbers = [float(p) for p in parts]
            if len(numbers) not in (3, 5):
                raise ValueError
        except ValueError:
            raise click.BadParameter(
                _t(f"« {value} » : écrivez page,x,y ou page,x,y,largeur,hauteur (mm depuis le coin inférieur gauche)",
                   f"'{value}': write page,x,y or page,x,y,width,height (mm from the bottom-left corner)")
            ) from None
        boxes.append(Placement(int(numbers[0]), *numbers[1:]))
    return boxes


@click.command("files")
@click.option("--state", "states", multiple=True, type=click.Choice(STATES), help="Only these states (repeatable).")
@click.option("--account", "account_number", help="Only this account's files.")
@click.pass_context
def files_command(ctx: click.Context, states: tuple[str, ...], account_number: str | None) -> None:
    """ES-11: the signatures list, newest first."""
    from liasse.states import SignatureState

    found = _desk(ctx).files(states=[SignatureState(s) for s in states], account_number=account_number)
    if not found:
        click.echo(_t("Aucun dossier de signature.", "No signature file."))
        return
    _table(
        (_t("N°", "No"), _t("État", "State"), _t("Compte", "Account"), _t("Dossier", "File"), _t("Signataires", "Signers")),
        [(str(f.id), f.state.label(), f.account_number, f.label, str(len(f.signers))) for f in found],
    )


@click.command("create")
@click.argument("event_id", type=int)
@click.pass_context
def create_command(ctx: click.Context, event_id: int) -> None:
    """ES-06: a signature file from an event (rendered to PDF, timestamped, status 0)."""
    _show(_desk(ctx).create_from_event(event_id))


@click.command("show")
@click.argument("file_id", type=int)
@click.pass_context
def show_command(ctx: click.Context, file_id: int) -> None:
    """One file: its state, signers and boxes."""
    _show(_desk(ctx).file(file_id))


@click.command("edit-signer")
@click.argument("file_id", type=int)
@click.argument("signer_id", type=int)
@click.option("--first-name")
@click.option("--last-name")
@click.option("--email")
@click.option("--mobile", help="Normalised to E.164 (06 12 34 56 78 → +33612345678).")
@click.pass_context
def edit_signer_command(ctx: click.Context, file_id: int, signer_id: int, **changes: str | None) -> None:
    """ES-07: change a signer before sending."""
    _show(_desk(ctx).edit_signer(file_id, signer_id, **changes))


@click.command("add-signer")
@click.argument("file_id", type=int)
@click.option("--role", required=True, help="owner, co_owner, tenant, co_tenant, guarantor, … (ES-03).")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", required=True)
@click.option("--mobile")
@click.option("--box", "boxes", multiple=True, required=True, help="page,x_mm,y_mm[,width_mm,height_mm] (repeatable).")
@click.pass_context
def add_signer_command(ctx: click.Context, file_id: int, role: str, first_name: str, last_name: str, email: str, mobile: str | None, boxes: tuple[str, ...]) -> None:
    """ES-05: one more signer on this file only (a free slot)."""
    _show(_desk(ctx).add_signer(file_id, role=role, first_name=first_name, last_name=last_name, email=email, mobile=mobile, placements=_boxes(boxes)))


@click.command("delete-signer")
@click.argument("file_id", type=int)
@click.argument("signer_id", type=int)
@click.pass_context
def delete_signer_command(ctx: click.Context, file_id: int, signer_id: int) -> None:
    """ES-05: remove a line added by hand."""
    _show(_desk(ctx).delete_signer(file_id, signer_id))


@click.command("place")
@click.argument("file_id", type=int)
@click.argument("signer_id", type=int)
@click.option("--box", "boxes", multiple=True, required=True, help="page,x_mm,y_mm[,width_mm,height_mm] (repeatable).")
@click.pass_context
def place_command(ctx: click.Context, file_id: int, signer_id: int, boxes: tuple[str, ...]) -> None:
    """ES-11: a signer's boxes, editable until sent."""
    _show(_desk(ctx).set_placements(file_id, signer_id, _boxes(boxes)))


@click.command("send")
@click.argument("file_id", type=int)
@click.pass_context
def send_command(ctx: click.Context, file_id: int) -> None:
    """ES-08: send for signature (status 1); sent once, whatever is retried."""
    _show(_desk(ctx).send(file_id))


@click.command("refresh")
@click.argument("file_id", type=int, required=False)
@click.pass_context
def refresh_command(ctx: click.Context, file_id: int | None) -> None:
    """ES-10: re-read one file, or every file awaiting signature; signed ones are archived."""
    desk = _desk(ctx)
    report = desk.refresh(file_id) if file_id is not None else desk.poll()
    click.echo(_t(f"{len(report.changed)} dossier(s) changé(s), {len(report.archived)} archivé(s).", f"{len(report.changed)} file(s) changed, {len(report.archived)} archived."))
    for changed in report.changed:
        made = desk.file(changed)
        click.echo(f"  {made.id} : {made.state.label()} - {made.label}")


@click.command("remind")
@click.argument("file_id", type=int)
@click.pass_context
def remind_command(ctx: click.Context, file_id: int) -> None:
    """Remind the signers who have not signed yet."""
    _desk(ctx).remind(file_id)
    click.echo(_t("Relance envoyée.", "Reminder sent."))


@click.command("cancel")
@click.argument("file_id", type=int)
@click.option("--reason", type=click.Choice(REASONS), default="other", show_default=True)
@click.pass_context
def cancel_command(ctx: click.Context, file_id: int, reason: str) -> None:
    """Cancel a file awaiting signatures."""
    _show(_desk(ctx).cancel(file_id, reason))


@click.command("document")
@click.argument("file_id", type=int)
@click.option("--to", "target", type=click.Path(path_type=Path), required=True, help="Where to write the PDF.")
@click.pass_context
def document_command(ctx: click.Context, file_id: int, target: Path) -> None:
    """The PDF: the signed one once signed (ES-10), else the letter to sign."""
    shutil.copyfile(_desk(ctx).document(file_id), target)
    click.echo(str(target))


_COMMANDS: tuple[click.Command, ...] = (
    files_command,
    create_command,
    show_command,
    edit_signer_command,
    add_signer_command,
    delete_signer_command,
    place_command,
    send_command,
    refresh_command,
    remind_command,
    cancel_command,
    document_command,
)


def signing_group(provider: str) -> click.Group:
    """The ``liasse <provider> …`` commands of a signature provider."""

    @click.group(name=provider, cls=_ExchangeGroup)
    @click.option("--user", "user_login", required=True, envvar="LIASSE_USER", metavar="LOGIN", help="The host user acting (default: LIASSE_USER).")
    @click.pass_context
    def group(ctx: click.Context, user_login: str) -> None:
        base = dict(ctx.obj) if isinstance(ctx.obj, dict) else {"config": None, "safe_mode": False}
        ctx.obj = {**base, "provider": provider, "user": user_login, "account_owner": None}

    group.help = (
        f"E-signature through {provider}: signature files from events, signers, positions, send, follow-up, archiving "
        "(signature électronique : dossiers, signataires, positions, envoi, suivi, archivage)."
    )
    group.short_help = f"{provider}: e-signature (files, signers, send, retrieval)."
    for command in _COMMANDS:
        group.add_command(command)
    return group


