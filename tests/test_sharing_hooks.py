"""The shared-zone hooks (JZ-02 … JZ-08): routed to the chosen provider only, results tagged with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.facade import Hooks
from liasse.http import HttpClient
from liasse.manager import LiassePluginManager
from liasse.records import (
    DocumentBatch,
    OutgoingDocument,
    PartyKind,
    ProviderContext,
    ProviderInfo,
    RemoteDocument,
    RemoteSharedFile,
    SharedFileDraft,
    SharedParty,
    ShareEvent,
    ShareEventKind,
    ShareEventPage,
)
from liasse.settings import ProviderSettings

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Zone:
    """A shared-zone provider's hook layer that records what it was asked (routing only, no HTTP)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[str] = []

    @hookimpl
    def liasse_provider_info(self) -> ProviderInfo:
        return ProviderInfo(title=self.name.title(), capabilities=frozenset({Capability.SHARE}), settings=ProviderSettings, sandbox="x:y")

    @hookimpl
    def liasse_export_file(self, ctx: Any, file: SharedFileDraft, idempotency_key: str) -> RemoteSharedFile:
        self.calls.append("export_file")
        return RemoteSharedFile(number=file.number, created=True, exported_at=NOW)

    @hookimpl
    def liasse_upload_documents(self, ctx: Any, file_number: str, documents: Any, idempotency_key: str) -> DocumentBatch:
        self.calls.append("upload_documents")
        return DocumentBatch(
            tuple(RemoteDocument(f"doc_{i}", file_number, d.file_name, d.size, d.sha256, d.media_type, NOW) for i, d in enumerate(documents))
        )

    @hookimpl
    def liasse_list_shared_documents(self, ctx: Any, file_number: str) -> DocumentBatch:
        self.calls.append("list_shared_documents")
        return DocumentBatch(())

    @hookimpl
    def liasse_share_events(self, ctx: Any, cursor: str | None) -> ShareEventPage:
        self.calls.append("share_events")
        return ShareEventPage((ShareEvent("evt_1", ShareEventKind.CREATED, "shr_1", NOW),), cursor="1")


@pytest.fixture
def zones() -> tuple[Hooks, Zone, Zone]:
    pm = LiassePluginManager()
    alpha, beta = Zone("alpha"), Zone("beta")
    pm.register_checked(alpha, "alpha")
    pm.register_checked(beta, "beta")
    return Hooks(pm, {"alpha": alpha.liasse_provider_info(), "beta": beta.liasse_provider_info()}), alpha, beta


def ctx_for(provider: str) -> ProviderContext[Any]:
    return ProviderContext(
        provider=provider,
        settings=ProviderSettings(base_url="http://127.0.0.1:9"),
        http=HttpClient(provider, "http://127.0.0.1:9"),
        user_login="FICH",
        office_name="Groupe FICHORGA",
    )


def test_hook_liasse_export_file(zones: Any) -> None:
    hooks, alpha, beta = zones
    draft = SharedFileDraft("2950-01", "VENTE MARTIN/JACQUES", (SharedParty("2950", PartyKind.PERSON, "MARTIN JACQUES", "j@x.fr"),))
    result = hooks.export_file(ctx_for("beta"), draft, "k")
    assert result.provider == "beta" and result.number == "2950-01"
    assert beta.calls == ["export_file"] and alpha.calls == []


def test_hook_liasse_upload_documents(zones: Any, tmp_path: Path) -> None:
    hooks, alpha, beta = zones
    doc = OutgoingDocument(tmp_path / "a.pdf", "a.pdf", "application/pdf", 3, "0" * 64)
    result = hooks.upload_documents(ctx_for("alpha"), "2950-01", [doc, doc], "k")
    assert result.provider == "alpha" and [d.file_name for d in result.documents] == ["a.pdf", "a.pdf"]
    assert alpha.calls == ["upload_documents"] and beta.calls == []


def test_hook_liasse_list_shared_documents(zones: Any) -> None:
    hooks, alpha, beta = zones
    assert hooks.list_shared_documents(ctx_for("alpha"), "2950-01").provider == "alpha"
    assert alpha.calls == ["list_shared_documents"] and beta.calls == []


def test_hook_liasse_share_events(zones: Any) -> None:
    hooks, alpha, beta = zones
    page = hooks.share_events(ctx_for("beta"), None)
    assert page.provider == "beta" and page.events[0].kind is ShareEventKind.CREATED and page.cursor == "1"
    assert beta.calls == ["share_events"] and alpha.calls == []
