"""FW-04: what every sandbox gets from the kit: loopback server, outbox, faults over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests

from liasse.errors import ProviderError, ProviderUnavailable
from liasse.http import HttpClient
from liasse.sandbox import RunningSandbox, Sandbox, serve


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    sandbox = Sandbox("toy", "Toy")

    @sandbox.app.post("/api/notify")
    def notify() -> tuple[str, int]:
        sandbox.outbox.email("jacques.martin@example.fr", "Votre code", f"Lien : {sandbox.public_url('/r/abc')}")
        sandbox.outbox.sms("+33612345678", "Code : 123456")
        return "", 204

    @sandbox.app.get("/api/file")
    def file() -> bytes:
        return b"x" * 1000

    server = serve(sandbox)
    yield server
    server.stop()


def test_fw04_sandbox_listens_on_loopback_only(running: RunningSandbox) -> None:
    assert running.url.startswith("http://127.0.0.1:")


def test_fw04_outbox_is_readable_over_http_with_links(running: RunningSandbox) -> None:
    requests.post(f"{running.url}/api/notify", timeout=5)
    emails = requests.get(f"{running.url}/_sandbox/outbox", params={"channel": "email"}, timeout=5).json()
    assert len(emails) == 1
    assert emails[0]["links"] == [f"{running.url}/r/abc"]
    sms = requests.get(f"{running.url}/_sandbox/outbox", params={"to": "+33612345678"}, timeout=5).json()
    assert [m["body"] for m in sms] == ["Code : 123456"]
    requests.delete(f"{running.url}/_sandbox/outbox", timeout=5)
    assert requests.get(f"{running.url}/_sandbox/outbox", timeout=5).json() == []


def test_fw04_fault_429_with_retry_after_fires_once(running: RunningSandbox) -> None:
    arm = {"kind": "status", "status": 429, "retry_after": 7, "path": "/api/file", "times": 1}
    assert requests.post(f"{running.url}/_sandbox/faults", json=arm, timeout=5).status_code == 204
    first = requests.get(f"{running.url}/api/file", timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert requests.get(f"{running.url}/api/file", timeout=5).status_code == 200


def test_fw04_fault_reset_drops_the_connection(running: RunningSandbox) -> None:
    requests.post(f"{running.url}/_sandbox/faults", json={"kind": "reset", "path": "/api/file"}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{running.url}/api/file", timeout=5)


def test_fw04_bad_fault_is_refused_with_a_reason(running: RunningSandbox) -> None:
    response = requests.post(f"{running.url}/_sandbox/faults", json={"kind": "explode"}, timeout=5)
    assert response.status_code == 400
    assert "kind" in response.json()["error"]


def test_provider_down_is_provider_unavailable(running: RunningSandbox) -> None:
    # Down for longer than the three attempts of an interactive call.
    fault = {"kind": "status", "status": 503, "path": "/api", "times": 3}
    requests.post(f"{running.url}/_sandbox/faults", json=fault, timeout=5)
    with pytest.raises(ProviderUnavailable) as caught:
        HttpClient("Toy", running.url).request("GET", "/api/file")
    assert "Toy" in str(caught.value) and "503" in str(caught.value)


def test_download_streams_to_disk_with_sha256_and_cap(running: RunningSandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    client = HttpClient("Toy", running.url)
    got = client.download("/api/file", tmp_path, max_bytes=10_000)
    assert got.size == 1000
    assert got.sha256 == hashlib.sha256(b"x" * 1000).hexdigest()
    assert got.path.read_bytes() == b"x" * 1000
    with pytest.raises(ProviderError) as caught:
        client.download("/api/file", tmp_path / "small", max_bytes=100)
    assert "100" in str(caught.value)
    assert not list((tmp_path / "small").glob("*")), "a refused download leaves no partial file"


def test_s4_secret_query_parameters_are_masked_in_urllib3_logs(
    running: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    HttpClient("Toy", running.url).request("GET", "/api/file", params={"token": "canary-token-4242", "page": "2"})
    lines = [r.getMessage() for r in caplog.records if "/api/file" in r.getMessage()]
    assert lines, "urllib3 logged no request line: the check below would prove nothing"
    assert all("canary-token-4242" not in line and "token=***" in line and "page=2" in line for line in lines)


def test_refusal_mapper_words_the_providers_4xx(running: RunningSandbox) -> None:
    def refuse(response: requests.Response) -> ProviderError:
        return ProviderError(title="Toy", detail_fr=f"refus {response.status_code}", detail_en=f"refused {response.status_code}")

    with pytest.raises(ProviderError) as caught:
        HttpClient("Toy", running.url).request("GET", "/api/missing", refuse=refuse)
    assert caught.value.message("en") == "Toy refused the request: refused 404"
    # 429 and 5xx stay unavailability, whatever the mapper says.
    fault = {"kind": "status", "status": 429, "path": "/api", "times": 3}
    requests.post(f"{running.url}/_sandbox/faults", json=fault, timeout=5)
    with pytest.raises(ProviderUnavailable):
        HttpClient("Toy", running.url).request("GET", "/api/file", refuse=refuse)


def test_fw04_a_stopped_sandbox_runs_its_cleanups() -> None:
    from liasse.sandbox import Sandbox, serve

    sandbox = Sandbox("demo", "Demo")
    ran: list[str] = []
    sandbox.cleanups.append(lambda: ran.append("files removed"))
    serve(sandbox).stop()
    assert ran == ["files removed"]


def _connections(session: requests.Session, url: str) -> int:
    """How many connections the session's pools opened (its adapter's pools, one per host)."""
    pools = session.get_adapter(url).poolmanager.pools
    return sum(int(pools[key].num_connections) for key in pools.keys())


def test_fw04_sandbox_keeps_connections_open_like_a_provider(running: RunningSandbox) -> None:
    """P2: werkzeug closes every connection; the sandbox keeps them open, so pooled calls reuse one."""
    with requests.Session() as session:
        for _ in range(5):
            answer = session.get(f"{running.url}/api/file", timeout=5)
            assert answer.status_code == 200 and answer.headers.get("Connection") != "close"
        assert _connections(session, running.url) == 1


def test_fw04_an_unread_request_body_does_not_spoil_the_next_request(running: RunningSandbox) -> None:
    """A body the route never reads (an answer given before the upload) is consumed, not parsed as a request."""
    with requests.Session() as session:
        refused = session.post(f"{running.url}/api/file", data=b"GET /api/file HTTP/1.1\r\n\r\n" + b"x" * 200_000, timeout=5)
        assert refused.status_code == 405
        after = session.get(f"{running.url}/api/file", timeout=5)
        assert after.status_code == 200 and after.content == b"x" * 1000
        assert _connections(session, running.url) == 1


def test_fw04_a_chunked_upload_still_closes_its_connection(running: RunningSandbox) -> None:
    """A body of unknown length cannot be drained safely: that answer closes the connection, as werkzeug does."""
    with requests.Session() as session:
        answer = session.post(f"{running.url}/api/notify", data=iter([b"a" * 10, b"b" * 10]), timeout=5)
        assert answer.status_code == 204 and answer.headers.get("Connection") == "close"
        assert session.get(f"{running.url}/api/file", timeout=5).status_code == 200


def test_transport_reads_proxies_once_and_not_at_every_call(running: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """P2: the environment's proxy settings are taken when the session is built; requests' per-call scan is off."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.office.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/office-ca.pem")
    session = HttpClient("Toy", "https://api.toy.example").session
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.office.example:3128"
    assert session.verify == "/etc/ssl/certs/office-ca.pem"
    local = HttpClient("Toy", running.url)
    assert local.session.proxies == {} and local.request("GET", "/api/file").content == b"x" * 1000
