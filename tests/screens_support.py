"""FW-07: what every browser test of the screens shares: ``liasse serve`` as a subprocess, Chromium, screenshots.

``served`` starts the real ``liasse serve`` on a free port (module scope: one
office per test module) and stops it with SIGINT as Ctrl-C does, checking it
exits cleanly; ``browser`` is Debian's Chromium driven by Playwright;
``page`` saves each test's screenshots under ``test-artifacts/screens/<test>/``
(:func:`shot`); :func:`toast` reads the message shown top-right.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screens"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``liasse serve`` as a user starts it; its base URL. Stopped with SIGINT, as Ctrl-C does."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("office")
    liasse = Path(sys.executable).parent / "liasse"
    log = workdir / "serve.log"
    # The server's output goes to a file: a pipe nobody reads would block it once full.
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(liasse), "serve", "--port", str(port), "--workdir", str(workdir), "--poll-every", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "LIASSE_LANG": "fr"},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if "Écrans de l'étude" in log.read_text(encoding="utf-8"):
            break
        time.sleep(0.2)
    assert "Écrans de l'étude" in log.read_text(encoding="utf-8"), log.read_text(encoding="utf-8")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        # Ctrl-C stops everything, cleanly: sandboxes, worker and web server, exit 0 with no traceback.
        output = log.read_text(encoding="utf-8")
        assert process.returncode == 0 and "Traceback" not in output, output


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()  # this run's steps only
    page.shots = folder  # type: ignore[attr-defined]
    page.shot_count = 0  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def shot(page: object, name: str) -> None:
    """Save a full-page screenshot of this step under test-artifacts/screens/<test>/."""
    page.shot_count += 1  # type: ignore[attr-defined]
    page.screenshot(path=str(page.shots / f"{page.shot_count:02d}-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def toast(page: object, kind: str = "success") -> str:
    """The confirmation (or error) shown top-right."""
    locator = page.locator(f".toasts .toast.{kind}").last  # type: ignore[attr-defined]
    locator.wait_for()
    return str(locator.inner_text())


#: Every visible field of the page that no label names (the banner's own controls aside).
_UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && !e.closest('.banner') && e.labels.length === 0)
    .map(e => e.outerHTML)"""


def unlabelled_fields(page: object) -> list[str]:
    """The HTML of each field on the page a screen reader could not name: [] on an accessible form."""
    return list(page.evaluate(_UNLABELLED_JS))  # type: ignore[attr-defined]
