"""The shared zone: matters exported with their parties, documents uploaded and shared, returns imported (JZ-01 … JZ-08).

Its parts, one module each: :mod:`.desk` (what the host's menus call),
:mod:`.delivery` (uploads and shares made exactly once through the outbox),
:mod:`.tracking` (BY-01: shares beside the other exchanges),
:mod:`.records` and :mod:`.errors`.
"""

from __future__ import annotations

from liasse.sharing.desk import ShareDesk
from liasse.sharing.records import (
    FileParty,
    ImportedDocument,
    RecipientChoice,
    SharedDocumentView,
    SharedFile,
    ShareDialog,
    ShareForm,
    ShareRecipientView,
    ShareSyncReport,
    ShareView,
    TrackedItem,
)
from liasse.sharing.tracking import unified_tracking

__all__ = [
    "FileParty",
    "ImportedDocument",
    "RecipientChoice",
    "ShareDesk",
    "ShareDialog",
    "ShareForm",
    "ShareRecipientView",
    "ShareSyncReport",
    "ShareView",
    "SharedDocumentView",
    "SharedFile",
    "TrackedItem",
    "unified_tracking",
]
