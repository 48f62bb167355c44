"""Fixtures of ESign's tests: the Yousign sandbox on loopback, a context with its key, PDFs, contract checks."""

from __future__ import annotations

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
from esign_files import make_pdf, outgoing  # noqa: E402
from spec_check import SpecRecorder  # noqa: E402


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
