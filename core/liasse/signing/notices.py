"""ES-10: a webhook's notice applied to the signature files it names (called by the webhook worker)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from liasse.signing.desk import SigningDesk
from liasse.store.models import SignatureFile as FileRow

if TYPE_CHECKING:
    from liasse.app import Liasse


def apply_notice(liasse: Liasse, provider: str, remote_ids: Iterable[str]) -> tuple[int, ...]:
    """Re-read the named files through each creator's desk (archiving the signed ones); the files that moved."""
    wanted = list(remote_ids)
    if not wanted:
        return ()
    with liasse.store.session() as session:
        creators = session.scalars(
            sa.select(FileRow.created_by).where(FileRow.provider == provider, FileRow.remote_id.in_(wanted)).distinct()
        ).all()
    changed: list[int] = []
    for created_by in creators:
        changed.extend(SigningDesk(liasse, provider, created_by).refresh_remote(wanted).changed)
    return tuple(changed)
