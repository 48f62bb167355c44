"""JurisZone's story in ``liasse demo``: the sale VENTE MARTIN/JACQUES shared with its parties (JZ-01 … JZ-08).

The matter is exported with its parties (the buyer's missing e-mail named,
then added), two documents uploaded, shared with the buyer (may modify,
notify) and the agency (read only); the buyer activates her account,
downloads the draft and returns it signed; the returned file is imported on
the matter; eleven days later the share has expired. The parties act on the
sandbox's real pages (:mod:`liasse_juriszone.recipient`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from liasse_hostapi.reference.demo_documents import simple_pdf

from liasse.errors import LiasseError
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm, unified_tracking
from liasse.sharing.errors import PartiesWithoutEmail

from liasse_juriszone.recipient import Recipient

if TYPE_CHECKING:
    from liasse.app import Liasse

BUYER_EMAIL = "marie.dupont@orange.fr"


def story(liasse: Liasse, sandbox_url: str, user: str, workdir: Path, echo: Callable[[str], None]) -> bool:
    """Run the shared-zone story; True when every step did what the manual says."""
    echo("")
    echo("JurisZone - zone de partage du dossier VENTE MARTIN/JACQUES :")
    try:
        return _story(liasse, sandbox_url, user, workdir, echo)
    except LiasseError as error:
        echo(f"  Erreur : {error}")
        return False


def _story(liasse: Liasse, sandbox_url: str, user: str, workdir: Path, echo: Callable[[str], None]) -> bool:
    zone = ShareDesk(liasse, "juriszone", user)
    try:
        zone.export_matter("2950", "2950-01")
        echo("  L'export aurait dû signaler l'intervenant sans courriel.")
        return False
    except PartiesWithoutEmail as refused:
        echo(f"  Export refusé : {refused}")
    liasse.host.accounts.update_contact_details("3120", email=BUYER_EMAIL, mobile=None)
    echo(f"  Courriel de l'acquéreur DUPONT MARIE ajouté à sa fiche : {BUYER_EMAIL}")
    exported = zone.export_matter("2950", "2950-01")
    echo(f"  Dossier {exported.number} exporté avec {', '.join(f'{p.name} ({p.role})' for p in exported.parties)}")
    files = workdir / "juriszone"
    files.mkdir(parents=True, exist_ok=True)
    draft = _pdf(files / "Projet de compromis.pdf", "Projet de compromis de vente", "Vente MARTIN / DUPONT.")
    diagnostics = _pdf(files / "Diagnostics techniques.pdf", "Diagnostics techniques", "DPE, amiante, plomb.")
    docs = zone.upload(exported.id, files=(draft, diagnostics))
    echo(f"  Documents ajoutés : {', '.join(d.file_name for d in docs)}")
    share = zone.share(
        exported.id,
        ShareForm(
            title="Pièces de la vente MARTIN/DUPONT",
            expires_on=zone.today() + dt.timedelta(days=10),
            recipients=(RecipientChoice("3120", may_modify=True, notify=True), RecipientChoice("98012", may_modify=False, notify=True)),
            document_ids=tuple(d.id for d in docs),
            comment="Merci de nous retourner le compromis signé.",
            notify_on_completion=True,
        ),
    )
    echo(f"  Partage « {share.title} » : {share.state.label()}, jusqu'au {share.expires_on:%d/%m/%Y}")
    buyer = Recipient(sandbox_url, BUYER_EMAIL)
    buyer.activate()
    buyer.download("Projet de compromis.pdf", files / "reçu par l'acquéreur.pdf")
    signed = _pdf(files / "Compromis signé.pdf", "Compromis de vente signé", "Signé par Marie DUPONT.")
    buyer.upload(signed, replaces=buyer.document_id("Projet de compromis.pdf"))
    echo("  L'acquéreur a activé son compte, téléchargé le projet et retourné le compromis signé")
    report = zone.sync()
    echo(f"  Suivi : {report.notices} notifications, {len(report.returned)} document retourné")
    ok = len(report.returned) == 1
    for doc_id in report.returned:
        imported = zone.import_returned(doc_id)
        echo(f"  Importé sur l'affaire : pièce jointe n° {imported.attachment_id} ({imported.origin}), SHA-256 {imported.sha256[:16]}…")
    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": 11 * 86400}, timeout=10).raise_for_status()
    zone.sync()
    expired = zone.share_view(share.id)
    echo(f"  Onze jours plus tard : partage {expired.state.label()}")
    page = buyer.open_zone(buyer.access_link())
    echo(f"  Le lien de l'acquéreur répond : {page.sentence}")
    for item in unified_tracking(liasse, account_number="2950"):
        echo(f"  Suivi du compte 2950 : {item.kind_label} {item.provider_title} « {item.label} » - {item.state_label}")
    return ok and expired.state.value == "expired" and page.status == 410


def _pdf(path: Path, title: str, line: str) -> Path:
    path.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title=title, lines=(line,)))
    return path
