"""What Jesignexpert's tests share: PDFs, a stored file on the host, and a signer who acts on the real pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import attrs
import requests
from liasse_hostapi.records import Attachment, NewAttachment, OwnerKind, OwnerRef

from liasse.app import Liasse

ACCOUNT = "2950"
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
_CODE = re.compile(r"\b(\d{4})\b")


def make_pdf(pages: int = 2, title: str = "Lettre de mission") -> bytes:
    """An A4 PDF of ``pages`` pages, one line of text each."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{title} - page {number}/{pages}")
    return bytes(pdf.output())


def pdf_text(content: bytes) -> list[str]:
    """The text of every page (to read the visible signatures)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def store_file(liasse: Liasse, folder: Path, content: bytes, name: str = "lettre_de_mission.pdf", media_type: str = "application/pdf") -> Attachment:
    """A file stored on account 2950 of the reference host, as the office's GED holds it."""
    path = folder / name
    path.write_bytes(content)
    return liasse.host.attachments.add(
        NewAttachment(owner=OwnerRef(OwnerKind.ACCOUNT, ACCOUNT), file_name=name, title="Lettre de mission 2027", media_type=media_type, origin="Ajouté"),
        path,
    )


@attrs.frozen
class Signer:
    """A signer driving the sandbox's pages over HTTP, from the e-mail's link to "Signer" (JS-05)."""

    sandbox_url: str
    email: str
    phone: str

    def outbox(self, to: str, channel: str | None = None) -> list[dict[str, object]]:
        params = {"to": to, **({"channel": channel} if channel else {})}
        answer = requests.get(f"{self.sandbox_url}/_sandbox/outbox", params=params, timeout=5)
        answer.raise_for_status()
        return list(answer.json())

    def invitation_link(self) -> str:
        """The "Consulter les documents et signer" link of the newest invitation."""
        invitations = [m for m in self.outbox(self.email, "email") if "/sign/" in str(m["body"])]
        assert invitations, f"no invitation reached {self.email}"
        return next(str(link) for link in invitations[-1]["links"] if "/sign/" in str(link))  # type: ignore[attr-defined]

    def open(self) -> requests.Response:
        return requests.get(self.invitation_link(), timeout=5)

    def accept(self, *, ticked: bool = True) -> requests.Response:
        """Tick "J'ai lu et j'accepte le document ci-dessus" and go on: the SMS code is sent."""
        page = self.open()
        action = _FORM_ACTION.search(page.text)
        assert action, page.text
        return requests.post(self.sandbox_url + action.group(1), data={"read_and_accept": "yes"} if ticked else {}, timeout=5)

    def sms_code(self) -> str:
        """The newest code texted to the signer's phone."""
        texts = self.outbox(self.phone, "sms")
        assert texts, f"no SMS reached {self.phone}"
        found = _CODE.search(str(texts[-1]["body"]))
        assert found, texts[-1]
        return found.group(1)

    def sign(self, code: str | None = None, *, terms: bool = True, privacy: bool = True) -> requests.Response:
        """Type the code (the texted one unless given), tick the boxes, "Signer"."""
        link = self.invitation_link()
        form = {"code": code if code is not None else self.sms_code()}
        if terms:
            form["terms"] = "yes"
        if privacy:
            form["privacy"] = "yes"
        return requests.post(f"{link}/sign", data=form, timeout=5)

    def sign_all_the_way(self) -> requests.Response:
        """Read, accept, receive the code, sign."""
        accepted = self.accept()
        assert accepted.status_code == 200, accepted.text
        return self.sign()

    def signed_copy_links(self) -> list[str]:
        """The links of the "Document signé" e-mail (Jesignexpert sends a link, not an attachment)."""
        mails = [m for m in self.outbox(self.email, "email") if str(m["subject"]).startswith("Document signé")]
        return [str(link) for m in mails for link in m["links"]]  # type: ignore[attr-defined]


def text_positions(content: bytes, page: int, needle: str) -> list[tuple[float, float]]:
    """Where ``needle`` is drawn on ``page`` (1-based), in PDF points from the page's bottom-left corner."""
    from pypdf import PdfReader

    found: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if needle in text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y))

    PdfReader(io.BytesIO(content)).pages[page - 1].extract_text(visitor_text=visit)
    return found
