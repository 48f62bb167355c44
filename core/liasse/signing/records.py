"""What a host's screens show of signature files (ES-11): frozen records, never ORM rows."""

from __future__ import annotations

import datetime as dt

import attrs

from liasse.states import SignatureState


@attrs.frozen
class Placement:
    """A signature box in the host's convention (page, millimetres from the bottom-left corner)."""

    page: int
    x_mm: float
    y_mm: float
    width_mm: float = 60.0
    height_mm: float = 25.0


@attrs.frozen
class Signer:
    """A signer line of a file (ES-07); ``added`` lines were typed by hand and may be deleted (ES-05)."""

    id: int
    role: str
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    added: bool
    placements: tuple[Placement, ...]

    @property
    def full_name(self) -> str:
        """``"First LAST"``."""
        return f"{self.first_name} {self.last_name}".strip()


@attrs.frozen
class SignatureFile:
    """A signature file as the signatures list shows it (ES-11)."""

    id: int
    provider: str
    #: None for a file made from a stored file (JS-02, :meth:`~liasse.signing.SigningDesk.create_from_attachment`).
    event_id: int | None
    template_code: str
    account_number: str
    label: str
    state: SignatureState
    remote_id: str | None
    file_name: str
    sha256: str
    no_sms: bool
    created_by: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    signed_at: dt.datetime | None
    attachment_id: int | None
    #: The RFC 3161 token over the rendered PDF (ES-06), when the authority answered.
    proof_path: str | None
    last_error: str | None
    signers: tuple[Signer, ...]
    #: JS-02: the host's stored file it was made from; the versions below are versions of it.
    source_attachment_id: int | None = None
    #: JS-04: the version stored "en attente de signature" when it was sent.
    awaiting_attachment_id: int | None = None


@attrs.frozen
class RefreshReport:
    """What a refresh (webhook re-read or poll) changed: the files whose state moved."""

    changed: tuple[int, ...] = ()
    archived: tuple[int, ...] = ()
