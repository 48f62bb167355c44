"""ESign's story in ``liasse demo``: a colocation lease signed by two co-tenants and a guarantor.

Everything goes through liasse's signing desk and the Yousign sandbox over
HTTP: the file is made from the reference host's event 4 (rendered,
timestamped), sent, signed by each signer on the sandbox's pages (the codes
read from its outbox as a phone or a mailbox would show them), retrieved by
polling and archived on the event's owner account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liasse.errors import LiasseError

from liasse_esign.signer import SandboxSigner

if TYPE_CHECKING:
    from liasse.app import Liasse

Echo = Callable[[str], None]
#: The reference host's lease for two co-tenants and a guarantor.
LEASE_EVENT = 4


def story(liasse: Liasse, server_url: str, user: str, workdir: Path, echo: Echo) -> bool:
    """Run the lease's signature from end to end; True when it is signed and archived."""
    from liasse.signing import SigningDesk
    from liasse.states import SignatureState

    echo("")
    echo("Signature électronique (ESign, API Yousign v3) :")
    desk = SigningDesk(liasse, "esign", user)
    try:
        made = desk.create_from_event(LEASE_EVENT)
        echo(f"  ES-06 dossier {made.id} « {made.label} » : {made.state.label('fr')}, horodaté : {'oui' if made.proof_path else 'non'}")
        for signer in made.signers:
            pages = ", ".join(str(p.page) for p in signer.placements)
            echo(f"  ES-03 {signer.role:<10} {signer.full_name:<16} {signer.mobile or '-':<13} signe page(s) {pages}")
        sent = desk.send(made.id)
        echo(f"  ES-08 envoyé : {sent.state.label('fr')} (demande Yousign {sent.remote_id})")
        for signer in sent.signers:
            person = SandboxSigner(server_url, signer.email, signer.mobile)
            outcome = person.sign()
            person.close()
            echo(f"  ES-09 {signer.full_name} signe sur la page du bac à sable : {'signé' if outcome.status == 200 else outcome.status}")
        report = desk.poll()
        signed = desk.file(made.id)
        echo(f"  ES-10 récupéré : {signed.state.label('fr')}, reçu le {signed.signed_at:%d/%m/%Y %H:%M} UTC" if signed.signed_at else f"  ES-10 {signed.state.label('fr')}")
        if signed.attachment_id is not None:
            echo(f"  ES-02 archivé sur le compte {signed.account_number} (pièce jointe {signed.attachment_id}) : {desk.document(made.id)}")
        return signed.state is SignatureState.SIGNED and signed.attachment_id is not None and bool(report.archived)
    except LiasseError as exc:
        echo(f"  ÉCHEC : {exc}")
        return False
