"""Fixtures of ESign's tests: the Yousign sandbox on loopback, a context with its key, PDFs, contract checks."""

from __future__ import annotations

import hashlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import liasse.sandbox
from liasse.http import HttpClient
from liasse.records import OutgoingDocument, ProviderContext
from liasse.sandbox import RunningSandbox
from liasse.secrets import Secret

from liasse_esign.sandbox import API_ROOT, DEMO_API_KEY, create_sandbox
from liasse_esign.settings import ESignSettings

sys.path.insert(0, str(Path(__file__).parent))
from spec_check import SpecRecorder  # noqa: E402


def make_pdf(pages: int = 3, title: str = "Bail d'habitation") -> bytes:
    """An A4 PDF of ``pages`` pages (595.28 × 841.89 points), one line of text each."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{title} - page {number}/{pages}")
    return bytes(pdf.output())


def outgoing(path: Path, content: bytes) -> OutgoingDocument:
    """The file at ``path`` as liasse hands it to a plugin."""
    path.write_bytes(content)
    return OutgoingDocument(
        path=path, file_name=path.name, media_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )


@pytest.fixture
def esign_server() -> Iterator[RunningSandbox]:
    """A fresh Yousign sandbox with quotas high enough for a whole story."""
    server = liasse.sandbox.serve(create_sandbox(per_minute=10_000, per_hour=100_000))
    yield server
    server.stop()


@pytest.fixture
def spec_recorder() -> Iterator[SpecRecorder]:
    """Every call validated against Yousign's contract; the test fails on any breach."""
    recorder = SpecRecorder()
    yield recorder
    assert not recorder.failures, "\n\n".join(recorder.failures)


@pytest.fixture
def esign_ctx(esign_server: RunningSandbox, spec_recorder: SpecRecorder) -> Iterator[ProviderContext[ESignSettings]]:
    """The context liasse builds for ESign, its transport's session checked against the contract."""
    ctx = ProviderContext(
        provider="esign",
        settings=ESignSettings(base_url=esign_server.url + API_ROOT, api_key=Secret(DEMO_API_KEY)),
        http=HttpClient("ESign", esign_server.url + API_ROOT),
        user_login="FICH",
        office_name="Groupe FICHORGA",
    )
    spec_recorder.attach(ctx.http.session)
    yield ctx
    ctx.http.close()


@pytest.fixture
def pdf_file(tmp_path: Path) -> Callable[..., OutgoingDocument]:
    """``pdf_file(pages=3)``: a multi-page lease on disk, as an outgoing document."""

    def build(pages: int = 3, name: str = "bail.pdf", content: bytes | None = None) -> OutgoingDocument:
        return outgoing(tmp_path / name, content if content is not None else make_pdf(pages))

    return build


def pdf_text(content: bytes) -> list[str]:
    """The text of every page (to see the visible signatures)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]
