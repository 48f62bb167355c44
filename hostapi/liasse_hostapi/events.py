"""Hooks a host implements to hear what liasse did.

liasse calls every implementation, each in isolation: a host hook that
raises is logged and the others still run, so a failing notification never
undoes an import. Implement them with the marker below::

    from liasse_hostapi.events import host_hookimpl

    class MyHostEvents:
        @host_hookimpl
        def liasse_attachment_imported(self, attachment, exchange_id): ...

and register the object with ``Liasse.register_host_events``.

This module imports nothing of liasse: the marker's project name,
``"liasse"``, is what ties it to liasse's plugin manager.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from liasse_hostapi.records import Attachment, IbanRecord

PROJECT = "liasse"

host_hookspec = pluggy.HookspecMarker(PROJECT)
#: Marker for a host's implementations of the hooks below.
host_hookimpl = pluggy.HookimplMarker(PROJECT)


class HostEventSpecs:
    """Events liasse emits towards the host."""

    @host_hookspec
    def liasse_contact_created(self, provider: str, contact_id: int, account_number: str | None) -> None:
        """A provider contact was created and, when given, linked to ``account_number``."""

    @host_hookspec
    def liasse_document_received(self, provider: str, exchange_id: int, account_number: str | None) -> None:
        """A contact answered a request: a document waits to be imported (DS-22 counters change)."""

    @host_hookspec
    def liasse_attachment_imported(self, attachment: Attachment, exchange_id: int | None) -> None:
        """A received or generated file became an attachment in the host."""

    @host_hookspec
    def liasse_iban_created(self, iban_record: IbanRecord, warnings: tuple[str, ...]) -> None:
        """An IBAN record was created from received bank details; ``warnings`` are BY-02's findings."""

    @host_hookspec
    def liasse_status_changed(self, provider: str, exchange_id: int, old: str, new: str) -> None:
        """An exchange, signature file or letter moved from state ``old`` to ``new``."""
