"""AR24's story in ``liasse demo``: three registered letters from the demo's events, one per kind.

Consents refreshed from AR24, the three letters checked (one party in
error, fixed, recomputed), sent in bulk with their progress, validated with
one OTP code, then the recipients: one accepts, one refuses, the third
letter is not claimed and lapses when the clock runs 16 days; the proofs
are archived on the parties' accounts. Everything goes through liasse's
desk and the sandbox over HTTP; the recipients are played through the
sandbox's pages (:mod:`.recipient`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liasse.errors import LiasseError
from liasse.records import LetterKind
from liasse.registered import Letter, LetterChoice, RegisteredDesk
from liasse.secrets import Secret

from liasse_ar24.recipient import AR24Recipient, advance_clock, otp_code
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

if TYPE_CHECKING:
    from liasse.app import Liasse

Echo = Callable[[str], None]

DURAND = "email:sophie.durand@orange.fr"
LETTERS = (
    LetterChoice(1, DURAND, LetterKind.EIDAS),
    LetterChoice(1, "email:marc.lefebvre@gmail.com", LetterKind.SIMPLE_NOTICE),
    LetterChoice(3, "account:3305", LetterKind.PAPER, colour=False, double_sided=True),
)


def run_story(liasse: Liasse, sandbox_url: str, user: str, workdir: Path, echo: Echo) -> bool:
    """The AR24 story; True when every step went as the manual says."""
    root = sandbox_url.removesuffix("/api")
    echo("")
    echo("AR24 : lettres recommandées électroniques (AR-01 … AR-12)")
    try:
        desk = liasse.desk("ar24", user)
        assert isinstance(desk, RegisteredDesk)
        link = desk.link_account()
        echo(f"  Compte AR24 {link.email} : {'rattaché' if link.attached else 'en attente de confirmation'}")
        echo(f"  Clé OTP eIDAS de la démo (imprimée par le bac à sable) : {DEMO_OTP_KEY}")

        report = desk.check(LETTERS)
        echo(f"  Vérification : {len(report.ready)} prête(s), {len(report.problems)} erreur(s)")
        for problem in report.problems:
            echo(f"    - {problem.party_name} [{problem.reason}] : {problem.text_fr}")
        desk.request_consents([1], [DURAND], delay_days=10)
        answer = AR24Recipient(root, "sophie.durand@orange.fr").answer_consent(accept=True)
        echo(f"  Sophie DURAND répond à la demande de consentement : {answer}")
        changes = desk.update_consents([1])
        echo("  Consentements mis à jour depuis AR24 : " + ", ".join(c.party_name for c in changes))
        again = desk.check(LETTERS)
        echo(f"  Nouvelle vérification : {len(again.ready)} prête(s), {len(again.problems)} erreur(s)")

        def progress(position: int, result: Letter | LiasseError) -> None:
            state = result.state.label_fr if isinstance(result, Letter) else f"erreur : {result}"
            echo(f"    [{position + 1}/{len(LETTERS)}] {LETTERS[position].kind.value} : {state}")

        echo("  Envoi groupé :")
        sent = desk.send(LETTERS, progress=progress)
        letters = [r for r in sent.results if isinstance(r, Letter)]
        echo(f"  Documents déposés chez AR24 : {sent.uploads} pour {len(letters)} lettres")
        validated = desk.validate([letter.id for letter in letters], Secret(otp_code(DEMO_OTP_KEY)))
        echo("  Validation par un seul code OTP : " + ", ".join(letter.state.label_fr for letter in validated))
        advance_clock(root, seconds=60)
        desk.sync()
        sophie = AR24Recipient(root, "sophie.durand@orange.fr")
        sophie.identify("DURAND")
        echo(f"  Sophie DURAND s'identifie et refuse : {sophie.refuse()}")
        echo(f"  Marc LEFEBVRE accuse réception de l'avis : {AR24Recipient(root, 'marc.lefebvre@gmail.com').accept()}")
        echo(f"  L'horloge avance de 16 jours : {advance_clock(root, days=16)}")
        desk.sync()
        ok = True
        for letter in letters:
            archived = desk.archive_proofs(letter.id)
            echo(
                f"  {archived.party_name:<15} {archived.kind.value:<14} {archived.state.label_fr:<16} "
                f"preuves archivées sur le compte {archived.account_number} (n° {archived.deposit_proof_id}, "
                f"{archived.outcome_proof_id})"
            )
            ok = ok and archived.outcome_proof_id is not None
        expected = ["refused", "AR", "negligence"]
        ok = ok and [desk.letter(letter.id).state.value for letter in letters] == expected
    except LiasseError as exc:
        echo(f"  ÉCHEC : {exc}")
        return False
    return ok
