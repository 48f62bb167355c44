"""DocSecure's story in ``liasse demo``: the RIB of 2950 MARTIN JACQUES, from request to IBAN record.

Everything goes through liasse's desk and the sandbox over HTTP; the client
is played through the sandbox's pages (:mod:`.recipient`), the code read
from its outbox as a phone would show it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF

from liasse.desk import ContactForm, DocumentSelection, ExchangeFilter
from liasse.errors import LiasseError
from liasse.records import ContactKind, DocumentType, ReminderChannel

from liasse_docsecure.recipient import Recipient

if TYPE_CHECKING:
    from liasse.app import Liasse

Echo = Callable[[str], None]

#: The IBAN on the RIB the client uploads (valid, RIB key included).
CLIENT_IBAN = "FR76 3000 4000 0312 3456 7890 143"
CLIENT_BIC = "BNPAFRPPXXX"


def client_rib(path: Path) -> Path:
    """A one-page RIB as a bank prints it, for the client to upload."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Relevé d'Identité Bancaire", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in (
        "BNP PARIBAS - Agence Orléans République",
        "Titulaire : M. JACQUES MARTIN",
        "8 rue de la République, 45000 ORLÉANS",
        f"IBAN : {CLIENT_IBAN}",
        f"BIC : {CLIENT_BIC}",
    ):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def story(liasse: Liasse, sandbox_url: str, user_login: str, workdir: Path, echo: Echo) -> bool:
    """Run the DocSecure story; True when every step went as the manual says."""
    try:
        _story(liasse, sandbox_url, user_login, workdir, echo)
    except LiasseError as exc:
        echo(f"  ÉCHEC : {exc}")
        return False
    return True


def _story(liasse: Liasse, sandbox_url: str, user_login: str, workdir: Path, echo: Echo) -> None:
    desk = liasse.desk("docsecure", user_login)
    echo("")
    echo("DocSecure : demande de RIB au client 2950 MARTIN JACQUES")
    prefill = desk.prefill("2950")
    contact = desk.create_contact(prefill.form, "2950")
    echo(f"  Contact créé : {contact.display_name()} <{contact.email}> {contact.mobile} (pré-rempli depuis {prefill.source})")
    request = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente MARTIN/JACQUES")
    echo(f"  Demande n° {request.id} « {request.label} » : {request.state.label()}")

    client = Recipient(sandbox_url, contact.email, contact.mobile)
    link = client.open()
    code = client.latest_code()
    echo(f"  Le client ouvre le lien de l'e-mail ({link}) et reçoit le code SMS {code}")
    client.enter_code(link, code)
    client.upload(link, client_rib(workdir / "RIB_MARTIN.pdf"))
    echo("  Le client saisit le code et dépose son RIB (RIB_MARTIN.pdf)")

    synced = desk.sync()
    counter = desk.counter("2950")
    echo(f"  Synchronisation : {len(synced.changed)} échange(s) mis à jour ; documents à importer sur 2950 : {counter.count}")
    for alert in desk.alerts("2950"):
        echo(f"  Alerte à l'ouverture du compte : {alert.text()}")

    imported = desk.import_document(request.id)
    echo(f"  Import : pièce jointe « {imported.original.file_name} » (SHA-256 {imported.original.sha256[:16]}…)")
    if imported.stamped is not None:
        echo(f"           copie horodatée « {imported.stamped.file_name} » (original n° {imported.stamped.original_id})")
    if imported.iban_record is not None:
        record = imported.iban_record
        echo(f"           fiche IBAN {record.iban} / {record.bic} - {record.holder} ({record.origin})")
    if imported.proof is not None:
        echo(f"           preuve de réception : jeton d'horodatage RFC 3161 « {imported.proof.file_name} » (liasse verify)")
    for warning in imported.warnings:
        echo(f"           attention ({warning.severity.value}) : {warning.message()}")

    echo("")
    echo("DocSecure : envoi du RIB de l'étude et de documents")
    rib = desk.send_office_rib(contact.id)
    echo(f"  RIB de l'étude envoyé : « {rib.label} » ({rib.state.label()})")
    notaries = ContactForm(
        ContactKind.ORGANISATION,
        "Paul",
        "LEGRAND",
        "participations@notaires-concours.fr",
        None,
        "Notaires en concours et en participation",
    )
    choices = desk.send_choices("461")
    invoices = tuple(p.id for p in choices.participations[:3])
    send = desk.send_documents(notaries, DocumentSelection(participations=invoices), account_number="461")
    echo(f"  Envoi multi-documents au compte 461 : « {send.label} », {len(invoices)} facture(s) de participation")
    other = desk.request_document(contact.id, DocumentType.OTHER, "Justificatif de domicile")
    reminded = desk.remind(other.id, ReminderChannel.MAIL_AND_SMS)
    echo(f"  Relance par e-mail et SMS de « {other.label} » : {reminded.state.label()}")
    try:
        desk.remind(other.id)
    except LiasseError as exc:
        echo(f"  Seconde relance refusée : {exc}")
    attestation = desk.attestation(request.id)
    echo(f"  Attestation de la demande rangée sur le compte : « {attestation.file_name} »")

    echo("")
    echo("DocSecure : suivi des échanges (tous états)")
    desk.sync()
    echo(f"  {'N°':>3}  {'Type':<8} {'Libellé':<40} {'Compte':<6} {'Partagé avec':<28} {'État'}")
    for exchange in desk.exchanges(ExchangeFilter(include_done=True)):
        kind = "Demande" if exchange.kind.value == "request" else "Envoi"
        echo(
            f"  {exchange.id:>3}  {kind:<8} {exchange.label[:40]:<40} {exchange.account_number or '-':<6} "
            f"{exchange.shared_with[:28]:<28} {exchange.state.label()}"
        )
