"""Attachments: contents in the files folder under generated names, metadata in the database."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse_hostapi.errors import UnknownAccount, UnknownAttachment, UnknownEvent, UnknownIbanRecord
from liasse_hostapi.records import NewAttachment, OwnerKind, OwnerRef
from liasse_hostapi.reference import ReferenceHost, UnknownMatter
from liasse_hostapi.reference.file_store import CHUNK_SIZE


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def _new(owner: OwnerRef, file_name: str = "RIB DURAND.pdf", **changes: object) -> NewAttachment:
    values: dict[str, object] = {
        "owner": owner,
        "file_name": file_name,
        "title": "RIB de Mme DURAND",
        "media_type": "application/pdf",
        "origin": "Reçu via DocSecure",
    }
    values.update(changes)
    return NewAttachment(**values)  # type: ignore[arg-type]


def _stored_names(host: ReferenceHost) -> set[str]:
    return {path.name for path in host.files_path.iterdir()}


def test_attachment_stored_under_generated_name_with_sha256(host: ReferenceHost, tmp_path: Path) -> None:
    source = tmp_path / "evil name.pdf"
    content = b"%PDF-1.4\n" + os.urandom(2048)
    source.write_bytes(content)
    before = _stored_names(host)

    attachment = host.attachments.add(_new(OwnerRef(OwnerKind.ACCOUNT, "2950"), file_name="../evil name.pdf"), source)

    new_files = _stored_names(host) - before
    assert len(new_files) == 1
    (stored_name,) = new_files
    assert len(stored_name) == 32 and all(ch in "0123456789abcdef" for ch in stored_name)
    assert (host.files_path / stored_name).read_bytes() == content
    assert host.files_path == tmp_path / "host-files"
    assert attachment.file_name == "../evil name.pdf"
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert attachment.created_at.tzinfo is not None
    assert host.attachments.get(attachment.id) == attachment


def test_attachment_larger_than_a_chunk_is_copied_whole(host: ReferenceHost, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    content = os.urandom(CHUNK_SIZE * 2 + 123)
    source.write_bytes(content)
    attachment = host.attachments.add(_new(OwnerRef(OwnerKind.ACCOUNT, "2950")), source)
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with host.attachments.open(attachment.id) as stream:
        assert stream.read() == content


def test_attachments_listed_oldest_first_per_owner(host: ReferenceHost, tmp_path: Path) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.4 first")
    owner = OwnerRef(OwnerKind.ACCOUNT, "3120")
    first = host.attachments.add(_new(owner, title="premier"), source)
    second = host.attachments.add(_new(owner, title="second"), source)
    assert [a.id for a in host.attachments.list(owner)] == [first.id, second.id]
    demo_titles = [a.title for a in host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))]
    assert demo_titles == ["Projet de Taxe", "Acte de vente MARTIN A DURAND"]


def test_timestamped_copy_points_at_its_original(host: ReferenceHost, tmp_path: Path) -> None:
    source = tmp_path / "rib.pdf"
    source.write_bytes(b"%PDF-1.4 rib")
    owner = OwnerRef(OwnerKind.ACCOUNT, "2950")
    original = host.attachments.add(_new(owner), source)
    stamped = host.attachments.add(_new(owner, title="RIB horodaté", original_id=original.id), source)
    assert stamped.original_id == original.id
    with pytest.raises(UnknownAttachment):
        host.attachments.add(_new(owner, original_id=999_999), source)


@pytest.mark.parametrize(
    ("owner", "error"),
    [
        (OwnerRef(OwnerKind.ACCOUNT, "0000"), UnknownAccount),
        (OwnerRef(OwnerKind.IBAN_RECORD, "999"), UnknownIbanRecord),
        (OwnerRef(OwnerKind.IBAN_RECORD, "abc"), UnknownIbanRecord),
        (OwnerRef(OwnerKind.EVENT, "999"), UnknownEvent),
        (OwnerRef(OwnerKind.MATTER, "0000-01"), UnknownMatter),
    ],
)
def test_attachment_on_a_missing_owner_is_refused_and_leaves_no_file(
    host: ReferenceHost, tmp_path: Path, owner: OwnerRef, error: type[Exception]
) -> None:
    source = tmp_path / "x.pdf"
    source.write_bytes(b"%PDF-1.4 x")
    before = _stored_names(host)
    with pytest.raises(error) as raised:
        host.attachments.add(_new(owner), source)
    assert raised.value.key == owner.key  # type: ignore[attr-defined]
    assert _stored_names(host) == before


def test_unknown_attachment_names_the_id(host: ReferenceHost) -> None:
    with pytest.raises(UnknownAttachment) as raised:
        host.attachments.get(424242)
    assert raised.value.key == 424242
    with pytest.raises(UnknownAttachment):
        host.attachments.open(424242)


def test_attachment_on_a_matter_and_an_event(host: ReferenceHost, tmp_path: Path) -> None:
    source = tmp_path / "x.pdf"
    source.write_bytes(b"%PDF-1.4 x")
    on_matter = host.attachments.add(_new(OwnerRef(OwnerKind.MATTER, "2950-01")), source)
    assert host.attachments.list(OwnerRef(OwnerKind.MATTER, "2950-01")) == (on_matter,)
    event_files = host.attachments.list(OwnerRef(OwnerKind.EVENT, "1"))
    assert [a.title for a in event_files] == ["État des lieux d'entrée"]
