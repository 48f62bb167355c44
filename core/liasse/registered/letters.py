"""Letters from host events (AR-05, AR-06): parties, the rendered PDF with its attachments, per-kind checks.

Nothing here calls the provider: these are the checks made before any
letter is committed, so a party in error is reported with its reason and
nothing is created for it (AR-07).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import attrs
from liasse_hostapi.records import Event, EventParty, OwnerKind, OwnerRef
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from liasse.records import LetterKind
from liasse.registered.records import LetterProblem

#: A4 in PDF points (portrait; landscape is the same sheet turned), with rounding tolerance.
A4_POINTS = (595.28, 841.89)
A4_TOLERANCE = 1.5
#: "8 rue de la République, 45000 ORLÉANS": a street, then a postcode and a town.
POSTAL = re.compile(r"^.+,\s*\d{4,5}\s+\S.*$")
#: The manager signs the letters; he is not one of their recipients.
MANAGER_ROLE = "manager"


@attrs.frozen
class RenderedLetter:
    """An event's letter and its attachments as one PDF on disk."""

    path: Path
    sha256: str
    size: int
    pages: int


class NotA4(Exception):
    """A page of the letter or of an attachment is not A4."""

    def __init__(self, source: str, page: int, width_mm: int, height_mm: int) -> None:
        super().__init__(source, page)
        self.source, self.page, self.width_mm, self.height_mm = source, page, width_mm, height_mm


def party_key(party: EventParty) -> str:
    """A party's stable key: its account, else its e-mail, else its name (an event's parties have no ids)."""
    if party.account_number:
        return f"account:{party.account_number}"
    if party.email:
        return f"email:{party.email.strip().lower()}"
    return f"name:{' '.join(party.name.split()).upper()}"


def recipients(event: Event) -> tuple[EventParty, ...]:
    """The parties a letter of the event can go to (everyone but its manager)."""
    return tuple(p for p in event.parties if p.role != MANAGER_ROLE)


def find_party(event: Event, key: str) -> EventParty | None:
    """The event's party with ``key``."""
    return next((p for p in recipients(event) if party_key(p) == key), None)


def problem(event: Event, party_name: str, reason: str, fr: str, en: str) -> LetterProblem:
    """A problem of one party of ``event``."""
    return LetterProblem(event.id, event.title, party_name, reason, fr, en)


def check_kind(
    event: Event, party: EventParty, kind: LetterKind, email: str | None, consented: bool
) -> list[LetterProblem]:
    """AR-06: what the kind of send needs from the party (e-mail and consent, or a postal address)."""
    found: list[LetterProblem] = []
    name = party.name
    if kind is LetterKind.PAPER:
        if not party.postal_address or not POSTAL.match(party.postal_address.strip()):
            found.append(
                problem(
                    event,
                    name,
                    "no_address",
                    f"{name} n'a pas d'adresse postale complète (rue, code postal et ville) : "
                    "une lettre recommandée papier en a besoin. Complétez-la dans sa fiche.",
                    f"{name} has no complete postal address (street, postcode and town): "
                    "a paper registered letter needs one. Complete it in their record.",
                )
            )
        return found
    if not email:
        found.append(
            problem(
                event,
                name,
                "no_email",
                f"{name} n'a pas d'adresse e-mail (ni sur son compte, ni sur l'événement) : "
                "ajoutez-la, ou choisissez une lettre papier.",
                f"{name} has no e-mail address (neither on their account nor on the event): "
                "add one, or choose a paper letter.",
            )
        )
    elif kind is LetterKind.EIDAS and not consented:
        found.append(
            problem(
                event,
                name,
                "no_consent",
                f"{name} n'a pas consenti à recevoir des lettres recommandées électroniques à {email} : "
                "cochez son consentement, mettez à jour les consentements depuis AR24, ou demandez-le-lui.",
                f"{name} has not consented to registered e-mail at {email}: tick their consent, "
                "update consents from AR24, or ask them.",
            )
        )
    return found


def render(content: bytes, attachments: list[tuple[str, bytes]], dest: Path) -> RenderedLetter:
    """The letter followed by its attachments as one PDF at ``dest``; :class:`NotA4` names the first bad page."""
    writer = PdfWriter()
    pages = 0
    for source, data in [("lettre", content), *attachments]:
        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages, start=1):
            width, height = sorted((float(page.mediabox.width), float(page.mediabox.height)))
            if abs(width - A4_POINTS[0]) > A4_TOLERANCE or abs(height - A4_POINTS[1]) > A4_TOLERANCE:
                raise NotA4(source, number, round(width / 72 * 25.4), round(height / 72 * 25.4))
            if attachments:
                writer.add_page(page)  # only a merge needs the pages copied
            pages += 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    if attachments:
        with dest.open("wb") as out:
            writer.write(out)
        data = dest.read_bytes()
    else:
        # Nothing to merge: the host's letter is the document, as the host made it (and not rewritten).
        data = content
        dest.write_bytes(data)
    return RenderedLetter(dest, hashlib.sha256(data).hexdigest(), len(data), pages)


def event_attachments(host: object, event: Event) -> list[tuple[str, bytes]]:
    """The event's PDF attachments (AR-05 "attachments gathered"), by title."""
    store = host.attachments  # type: ignore[attr-defined]
    found = []
    for attachment in store.list(OwnerRef(OwnerKind.EVENT, str(event.id))):
        if attachment.media_type != "application/pdf":
            continue
        with store.open(attachment.id) as stream:
            found.append((attachment.title or attachment.file_name, stream.read()))
    return found


def readable_pdf(data: bytes) -> bool:
    """Whether ``data`` parses as a PDF."""
    try:
        PdfReader(io.BytesIO(data))
    except (PyPdfError, ValueError, OSError):
        return False
    return True
