"""Jesignexpert's story in ``liasse demo``: a stored engagement letter signed by the client and the user.

Everything goes through liasse's signing desk and the sandbox over HTTP: a
PDF stored on account 2950 is chosen (JS-02), two signers placed and typed
(JS-03), sent (a version "en attente de signature", JS-04), signed on the
sandbox's pages with the SMS codes read from its outbox (JS-05), retrieved
by polling and stored as the signed version of the file (JS-04).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liasse.errors import LiasseError

if TYPE_CHECKING:
    from liasse.app import Liasse

Echo = Callable[[str], None]
ACCOUNT = "2950"
CLIENT = ("Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")


def story(liasse: Liasse, server_url: str, user: str, workdir: Path, echo: Echo) -> bool:
    """Run the letter's signature from end to end; True when the signed version is stored."""
    from fpdf import FPDF
    from liasse_hostapi.records import NewAttachment, OwnerKind, OwnerRef

    from liasse.signing import Placement, SigningDesk
    from liasse.states import SignatureState

    from liasse_jesignexpert.signer import Signer

    echo("")
    echo("Signature électronique (Jesignexpert, sur Universign) :")
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 20, "Lettre de mission 2027 - MARTIN JACQUES")
    source = workdir / "lettre_de_mission.pdf"
    source.write_bytes(bytes(pdf.output()))
    stored = liasse.host.attachments.add(
        NewAttachment(OwnerRef(OwnerKind.ACCOUNT, ACCOUNT), source.name, "Lettre de mission 2027", "application/pdf", "Ajouté"),
        source,
    )
    desk = SigningDesk(liasse, "jesignexpert", user)
    me = liasse.host.office.user(user)
    try:
        made = desk.create_from_attachment(stored.id)
        echo(f"  JS-02 « Signer » sur la pièce jointe {stored.id} du compte {ACCOUNT} : dossier {made.id}, {made.state.label('fr')}")
        first, last, email, mobile = CLIENT
        desk.add_signer(made.id, role="client", first_name=first, last_name=last, email=email, mobile=mobile, placements=[Placement(1, 20, 30, 70, 25)])
        desk.add_signer(
            made.id, role="office", first_name=me.first_name, last_name=me.last_name, email=me.email,
            mobile="06 11 22 33 44", placements=[Placement(1, 110, 30, 70, 25)],
        )
        echo(f"  JS-03 signataires : {first} {last} et {me.full_name} (l'utilisateur signe aussi)")
        sent = desk.send(made.id)
        echo(f"  JS-04 envoyé : {sent.state.label('fr')} ; version « en attente de signature » : pièce jointe {sent.awaiting_attachment_id}")
        for signer in sent.signers:
            outcome = Signer(server_url, signer.email, signer.mobile or "").sign_all_the_way()
            echo(f"  JS-05 {signer.full_name} lit, accepte, saisit le code SMS à 4 chiffres et signe : {'signé' if outcome.status_code == 200 else outcome.status_code}")
        desk.poll()
        signed = desk.file(made.id)
        echo(f"  JS-04 {signed.state.label('fr')} ; version signée : pièce jointe {signed.attachment_id} (version de {stored.id})")
        return signed.state is SignatureState.SIGNED and signed.attachment_id is not None
    except LiasseError as exc:
        echo(f"  ÉCHEC : {exc}")
        return False
