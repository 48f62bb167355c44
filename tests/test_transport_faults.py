"""Fault tests of the transport (issue 5, R2, R4): each of the sandbox's fault switches, end to end.

Every case is a DocSecure request or send through the desk (or one
``HttpClient`` call where the point is the transport alone), against the
sandbox over loopback with a fault armed. Each asserts, on the provider's
side (its request journal ``GET /_sandbox/requests`` and its exchanges):

* every retried upload arrived complete: size and SHA-256 of the body the
  sandbox read equal the file's, under the same ``Idempotency-Key`` each time;
* retries stopped where they should: the attempt counts the sandbox saw;
* a final failure is a clear sentence and the exchange is kept "to send",
  its files with it, and sends once when retried.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from liasse.app import Liasse
from liasse.desk import ContactForm, ExchangeDesk
from liasse.errors import ProviderError, ProviderUnavailable
from liasse.http import HttpClient
from liasse.multipart import FilePart, MultipartBody
from liasse.records import ContactKind, DocumentType
from liasse.retries import RetryPolicy
from liasse.states import RequestState, SendState

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
AUTH = ("etude@fichorga.example", "demo-docsecure")
#: Short backoffs: the cases test what is retried, not how long the jitter is.
FAST = RetryPolicy(base=0.01)


@pytest.fixture
def office(liasse_office: Callable[..., Liasse]) -> Liasse:
    liasse = liasse_office("docsecure")
    liasse.context("docsecure", "FICH").http.policy = FAST
    return liasse


@pytest.fixture
def desk(office: Liasse) -> ExchangeDesk:
    return office.desk("docsecure", "FICH")


@pytest.fixture
def sandbox(office: Liasse) -> str:
    return str(office.provider_settings("docsecure").base_url)


@pytest.fixture
def contact(desk: ExchangeDesk) -> int:
    return desk.create_contact(PERSON, "2950").id


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    """3 MB of text, so a reset after 1 MB cuts the upload in the middle."""
    path = tmp_path / "grand-livre.txt"
    path.write_bytes(os.urandom(1_500_000).hex().encode())
    return path


def arm(sandbox: str, **fault: Any) -> None:
    requests.post(f"{sandbox}/_sandbox/faults", json=fault, timeout=10).raise_for_status()


def journal(sandbox: str, path: str, method: str) -> list[dict[str, Any]]:
    response = requests.get(f"{sandbox}/_sandbox/requests", params={"path": path, "method": method}, timeout=10)
    response.raise_for_status()
    return list(response.json())


def remote(sandbox: str, kind: str) -> list[dict[str, Any]]:
    body = requests.get(f"{sandbox}/api/v1/exchanges", auth=AUTH, timeout=10).json()
    return [e for e in body["exchanges"] if e["kind"] == kind]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- uploads re-sent whole (R4) ------------------------------------------------------------


def test_r4_upload_reset_after_1_mb_is_sent_again_whole(
    desk: ExchangeDesk, sandbox: str, contact: int, big_file: Path
) -> None:
    arm(sandbox, kind="reset_body", after_bytes=1_000_000, path="/api/v1/sends/", method="PUT")
    sent = desk.send_file(contact, big_file)
    assert sent.state is SendState.SENT
    puts = journal(sandbox, "/api/v1/sends/", "PUT")
    assert [p["fault"] for p in puts] == ["reset_body", None]
    assert puts[0]["body_size"] == 1_000_000
    assert (puts[1]["body_size"], puts[1]["body_sha256"], puts[1]["status"]) == (big_file.stat().st_size, sha256(big_file), 204)
    assert puts[0]["idempotency_key"] == puts[1]["idempotency_key"]
    [made] = remote(sandbox, "send")
    assert made["files"][0]["uploaded"] and made["files"][0]["sha256"] == sha256(big_file)


def test_r4_upload_answered_503_with_retry_after_is_sent_again_whole(
    desk: ExchangeDesk, sandbox: str, contact: int, big_file: Path
) -> None:
    arm(sandbox, kind="status", status=503, retry_after=1, path="/api/v1/sends/", method="PUT")
    assert desk.send_file(contact, big_file).state is SendState.SENT
    puts = journal(sandbox, "/api/v1/sends/", "PUT")
    assert [(p["status"], p["fault"]) for p in puts] == [(503, "status"), (204, None)]
    assert (puts[1]["body_size"], puts[1]["body_sha256"]) == (big_file.stat().st_size, sha256(big_file))


def test_r4_a_generator_body_is_never_retried(office: Liasse, sandbox: str) -> None:
    arm(sandbox, kind="reset_body", after_bytes=10_000, path="/api/v1/sends/", method="PUT")
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", policy=FAST)
    chunks = (b"x" * 65536 for _ in range(20))
    with pytest.raises(ProviderUnavailable, match="connexion impossible"):
        client.request("PUT", "/sends/ex_0/files/0", data=chunks, auth=AUTH, headers={"Idempotency-Key": "g"})
    assert len(journal(sandbox, "/api/v1/sends/", "PUT")) == 1
    client.close()


class OneShot(io.RawIOBase):
    """A body that can only be read forward, as requests-toolbelt's MultipartEncoder is."""

    def __init__(self, body: MultipartBody) -> None:
        super().__init__()
        self._body, self.len, self.content_type = body, body.len, body.content_type

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._body.read(size)


def test_r4_a_one_shot_multipart_stream_is_sent_once_never_half(office: Liasse, sandbox: str, big_file: Path) -> None:
    """The MultipartEncoder pitfall (research §1.6): a body that cannot be rewound is not retried empty."""
    arm(sandbox, kind="reset_body", after_bytes=100_000, path="/api/v1/sends/", method="POST")
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", policy=FAST)
    with big_file.open("rb") as stream:
        size = big_file.stat().st_size
        form = OneShot(MultipartBody([], [FilePart("file", big_file.name, stream, size, "text/plain")]))
        with pytest.raises(ProviderUnavailable):
            client.request(
                "POST", "/sends/ex_0/files/0", data=form, auth=AUTH,
                headers={"Content-Type": form.content_type, "Idempotency-Key": "m"},
            )
    assert [p["body_size"] for p in journal(sandbox, "/api/v1/sends/", "POST")] == [100_000]
    client.close()


def test_r4_liasses_multipart_body_is_rewound_and_sent_whole_on_a_retry(office: Liasse, sandbox: str, big_file: Path) -> None:
    """R4 on multipart: the attempt cut after 100,000 bytes is followed by the whole body, same size and SHA-256."""
    arm(sandbox, kind="reset_body", after_bytes=100_000, path="/api/v1/sends/", method="POST")
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", policy=FAST)
    with big_file.open("rb") as stream:
        form = MultipartBody([("nature", "piece")], [FilePart("file", big_file.name, stream, big_file.stat().st_size, "text/plain")])
        whole = hashlib.sha256(form.read()).hexdigest()
        form.seek(0)
        with pytest.raises(ProviderError):  # the sandbox has no such route: what matters is what it received
            client.request(
                "POST", "/sends/ex_0/files/0", data=form, auth=AUTH,
                headers={"Content-Type": form.content_type, "Idempotency-Key": "mp"},
            )
    attempts = journal(sandbox, "/api/v1/sends/", "POST")
    assert [a["body_size"] for a in attempts] == [100_000, form.len]
    assert attempts[-1]["body_sha256"] == whole
    client.close()


# --- what is retried, and where it stops (R2) ------------------------------------------------


def test_r2_429_with_retry_after_is_waited_for_then_sent(desk: ExchangeDesk, sandbox: str, contact: int) -> None:
    arm(sandbox, kind="status", status=429, retry_after=1, path="/api/v1/requests", method="POST")
    assert desk.request_document(contact, DocumentType.RIB, "RIB").state is RequestState.SENT
    posts = journal(sandbox, "/api/v1/requests", "POST")
    assert [p["status"] for p in posts] == [429, 201]
    assert posts[0]["idempotency_key"] == posts[1]["idempotency_key"]
    assert len(remote(sandbox, "request")) == 1


def test_r2_a_reset_before_the_answer_is_retried_under_the_same_key(
    desk: ExchangeDesk, sandbox: str, contact: int
) -> None:
    arm(sandbox, kind="reset", path="/api/v1/requests", method="POST")
    assert desk.request_document(contact, DocumentType.RIB, "RIB").state is RequestState.SENT
    posts = journal(sandbox, "/api/v1/requests", "POST")
    assert [p["fault"] for p in posts] == ["reset", None]
    assert len({p["idempotency_key"] for p in posts}) == 1
    assert len(remote(sandbox, "request")) == 1


def test_r2_a_truncated_answer_is_replayed_not_done_twice(desk: ExchangeDesk, sandbox: str, contact: int) -> None:
    # The provider did the request, but its answer was cut: only the key makes asking again safe.
    arm(sandbox, kind="truncate", path="/api/v1/requests", method="POST")
    sent = desk.request_document(contact, DocumentType.RIB, "RIB")
    assert sent.state is RequestState.SENT
    assert [p["status"] for p in journal(sandbox, "/api/v1/requests", "POST")] == [201, 201]
    [made] = remote(sandbox, "request")
    assert made["id"] == sent.remote_id
    mails = requests.get(f"{sandbox}/_sandbox/outbox", params={"to": PERSON.email, "channel": "email"}, timeout=10).json()
    assert len(mails) == 1, "the contact got one e-mail, not one per attempt"


def test_r2_a_hung_provider_is_one_attempt_then_a_sentence_and_the_request_waits(
    office: Liasse, desk: ExchangeDesk, sandbox: str, contact: int
) -> None:
    office.context("docsecure", "FICH").http.timeout = (5.0, 0.4)
    arm(sandbox, kind="hang", delay=1.0, path="/api/v1/requests", method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        desk.request_document(contact, DocumentType.RIB, "RIB")
    assert caught.value.message("fr") == "DocSecure ne répond pas (délai dépassé / timed out). Rien n'est perdu : réessayez plus tard."
    assert caught.value.message("en").startswith("DocSecure is not answering (délai dépassé / timed out).")
    # A read timeout is never retried blindly: the provider may be doing it.
    assert len(journal(sandbox, "/api/v1/requests", "POST")) == 1
    [kept] = desk.exchanges()
    assert kept.state is RequestState.PENDING and kept.last_error == caught.value.message()
    office.context("docsecure", "FICH").http.timeout = (5.0, 10.0)
    assert desk.retry(kept.id).state is RequestState.SENT
    assert len(remote(sandbox, "request")) == 1


def test_r2_a_provider_down_through_every_attempt_keeps_the_send_and_its_files(
    desk: ExchangeDesk, sandbox: str, contact: int, big_file: Path
) -> None:
    arm(sandbox, kind="status", status=503, path="/api/v1/sends/", method="PUT", times=3)
    with pytest.raises(ProviderUnavailable) as caught:
        desk.send_file(contact, big_file)
    assert "HTTP 503 après 3 essais" in caught.value.message("fr")
    assert "HTTP 503 after 3 attempts" in caught.value.message("en")
    assert len(journal(sandbox, "/api/v1/sends/", "PUT")) == 3
    [kept] = desk.exchanges()
    assert kept.state is SendState.PENDING and "503" in (kept.last_error or "")
    sent = desk.retry(kept.id)
    assert sent.state is SendState.SENT
    last = journal(sandbox, "/api/v1/sends/", "PUT")[-1]
    assert (last["status"], last["body_size"], last["body_sha256"]) == (204, big_file.stat().st_size, sha256(big_file))
    assert len(remote(sandbox, "send")) == 1


def test_r2_other_5xx_are_not_retried(desk: ExchangeDesk, sandbox: str, contact: int) -> None:
    arm(sandbox, kind="status", status=500, path="/api/v1/requests", method="POST")
    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        desk.request_document(contact, DocumentType.RIB, "RIB")
    assert len(journal(sandbox, "/api/v1/requests", "POST")) == 1


def test_r2_a_409_the_plugin_calls_in_flight_is_retried(sandbox: str, office: Liasse) -> None:
    arm(sandbox, kind="status", status=409, path="/api/v1/account", method="GET")
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", policy=FAST)
    answer = client.request("GET", "/account", auth=AUTH, in_flight=lambda response: response.status_code == 409)
    assert answer.json()["email"] == AUTH[0]
    assert [p["status"] for p in journal(sandbox, "/api/v1/account", "GET")] == [409, 200]
    client.close()


def test_r2_nothing_listening_is_three_attempts_then_a_sentence(closed_port: int) -> None:
    client = HttpClient("DocSecure", f"http://127.0.0.1:{closed_port}", policy=FAST)
    with pytest.raises(ProviderUnavailable) as caught:
        client.request("POST", "/api/v1/requests", json={})
    assert caught.value.message("en") == (
        "DocSecure is not answering (connexion impossible après 3 essais / cannot connect after 3 attempts). "
        "Nothing is lost: try again later."
    )
    # Three attempts, two retries paid for.
    assert client.budget.tokens == client.budget.capacity - 2 * client.budget.retry_cost
    client.close()


def test_r2_a_download_cut_off_leaves_no_partial_file(
    office: Liasse, desk: ExchangeDesk, sandbox: str, tmp_path: Path
) -> None:
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", policy=FAST)
    arm(sandbox, kind="truncate", path="/api/v1/account", method="GET")
    with pytest.raises(ProviderUnavailable, match="téléchargement interrompu"):
        client.download("/account", tmp_path / "in", max_bytes=10_000, auth=AUTH)
    assert not list((tmp_path / "in").glob("*"))
    client.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


def test_r2_every_call_has_a_timeout_even_when_the_caller_passes_none(sandbox: str) -> None:
    arm(sandbox, kind="hang", delay=1.0, path="/api/v1/account", method="GET")
    client = HttpClient("DocSecure", f"{sandbox}/api/v1", timeout=0.3, policy=FAST)
    with pytest.raises(ProviderUnavailable, match="délai dépassé"):
        client.request("GET", "/account", auth=AUTH, timeout=None)
    client.close()
