"""The transport's own send path (P2): what a provider receives is what ``requests`` would have sent.

liasse's :class:`~liasse.http.HttpClient` prepares each request itself and
sends it through the session's adapter, and encodes forms of strings itself:
these tests pin that the bytes, the headers, the hooks and the refusal of
redirects are those of ``Session.request``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from flask import Response, redirect, request

from liasse.errors import ProviderError
from liasse.http import USER_AGENT, HttpClient
from liasse.sandbox import RunningSandbox, Sandbox, serve


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    sandbox = Sandbox("toy", "Toy")
    seen: list[str] = []
    sandbox.app.config["seen"] = seen

    @sandbox.app.route("/api/echo", methods=["GET", "POST"])
    def echo() -> Response:
        seen.append(request.path)
        body = {
            "body": request.get_data(as_text=True),
            "content_type": request.headers.get("Content-Type"),
            "user_agent": request.headers.get("User-Agent"),
            "signature": request.headers.get("signature"),
            "query": request.query_string.decode(),
            "authorization": request.headers.get("Authorization"),
        }
        return Response(json.dumps(body), mimetype="application/json")

    @sandbox.app.get("/api/moved")
    def moved() -> Response:
        seen.append(request.path)
        return redirect("/api/echo", code=302)  # type: ignore[return-value]

    server = serve(sandbox)
    yield server
    server.stop()


def _expected_form(fields: dict[str, str]) -> bytes:
    body = requests.Request("POST", "http://toy.example/", data=fields).prepare().body
    assert isinstance(body, str)
    return body.encode("ascii")


def test_p2_a_form_of_strings_is_sent_byte_for_byte_as_requests_encodes_it(running: RunningSandbox) -> None:
    fields = {"to_lastname": "LEFÈVRE", "ref_dossier": "Bail n° 12 & annexes", "to_email": "marc+bail@example.fr", "vide": ""}
    client = HttpClient("Toy", running.url)
    echoed = client.request("POST", "/api/echo", data=fields, headers={"signature": "abc=="}).json()
    assert echoed["body"].encode("ascii") == _expected_form(fields)
    assert echoed["content_type"] == "application/x-www-form-urlencoded"
    assert echoed["user_agent"] == USER_AGENT and echoed["signature"] == "abc=="


def test_p2_a_caller_content_type_query_and_auth_reach_the_provider(running: RunningSandbox) -> None:
    client = HttpClient("Toy", running.url)
    echoed = client.request(
        "POST",
        "/api/echo",
        params={"token": "t", "date": "2026-12-01 10:00:00"},
        data=b'{"a": 1}',
        headers={"Content-Type": "application/json"},
        auth=("etude", "mot de passe"),
    ).json()
    assert echoed["body"] == '{"a": 1}' and echoed["content_type"] == "application/json"
    assert echoed["query"] == "token=t&date=2026-12-01+10%3A00%3A00"
    assert echoed["authorization"].startswith("Basic ")


def test_p2_session_response_hooks_still_see_every_answer(running: RunningSandbox) -> None:
    """The ESign contract tests check every answer through the session's hooks: they must keep firing."""
    client = HttpClient("Toy", running.url)
    heard: list[int] = []
    client.session.hooks["response"].append(lambda response, *args, **kwargs: heard.append(response.status_code))
    client.request("GET", "/api/echo")
    client.request("POST", "/api/echo", data={"a": "b"})
    assert heard == [200, 200]


def test_p2_a_redirect_is_never_followed(running: RunningSandbox) -> None:
    """An auth header must not travel to wherever a provider's answer points."""
    client = HttpClient("Toy", running.url)
    with pytest.raises(ProviderError):
        client.request("GET", "/api/moved", headers={"Authorization": "Bearer secret"})
    assert running.sandbox.app.config["seen"] == ["/api/moved"]
    assert client.request("GET", "/api/moved", expect=(302,)).headers["Location"].endswith("/api/echo")
    with pytest.raises(ValueError, match="never follow redirects"):
        client.request("GET", "/api/moved", allow_redirects=True)


def test_p2_an_unread_answer_goes_back_to_the_pool(running: RunningSandbox) -> None:
    """Answers are read whole unless streamed, so one kept connection serves a bulk send."""
    client = HttpClient("Toy", running.url)
    for _ in range(5):
        client.request("GET", "/api/echo")
    pools = client.session.get_adapter(running.url).poolmanager.pools
    assert sum(int(pools[key].num_connections) for key in pools.keys()) == 1


def test_p2_a_direct_call_finds_its_pool_once_per_origin(running: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests' pool lookup runs once per origin and TLS settings, not once a call; a closed pool is looked up again."""
    client = HttpClient("Toy", running.url)
    adapter = client.session.get_adapter(running.url)
    lookups: list[str] = []
    original = adapter.poolmanager.connection_from_host

    def counted(*args: object, **kwargs: object) -> object:
        lookups.append(str(kwargs.get("host", args[0] if args else "")))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adapter.poolmanager, "connection_from_host", counted)
    for _ in range(5):
        client.request("GET", "/api/echo")
    client.request("GET", "/api/echo", verify=False)  # other TLS settings: a pool key of their own
    assert lookups == ["127.0.0.1", "127.0.0.1"]
    pools = adapter.poolmanager.pools
    evicted = [pools[key] for key in pools.keys()]
    pools.clear()
    for pool in evicted:
        pool.close()  # as urllib3 1.x closes the pools it evicts: looked up again, not used closed
    assert client.request("GET", "/api/echo").status_code == 200
    assert len(lookups) == 3


def test_p2_a_call_through_a_proxy_keeps_requests_own_lookup(running: RunningSandbox) -> None:
    """With a proxy, the connection is the proxy's: requests chooses it at every call."""
    client = HttpClient("Toy", "http://provider.invalid")
    client.session.proxies = {"http": running.url}
    # The sandbox answers the proxied request line for its own path, as a forward proxy passes it on.
    response = client.request("GET", "/api/echo")
    assert response.status_code == 200
    adapter = client.session.get_adapter("http://provider.invalid")
    assert adapter._pools == {}
    assert adapter.proxy_manager


def test_p2_a_path_is_requoted_as_requests_prepares_it(running: RunningSandbox) -> None:
    """URLs prepared once per path are the URLs requests prepares: non-ASCII, spaces and escapes alike."""
    client = HttpClient("Toy", running.url)
    sent: list[str] = []
    client.session.hooks["response"].append(lambda response, *args, **kwargs: sent.append(response.request.url))
    odd = "/api/été dossier/%41"
    expected = requests.Request("GET", f"{running.url}{odd}").prepare().url
    assert expected == f"{running.url}/api/%C3%A9t%C3%A9%20dossier/A"
    for _ in range(2):
        with pytest.raises(ProviderError):  # no such page: a 404, after the request was sent
            client.request("GET", odd)
    client.request("GET", "/api/echo", params={"x": "1"})
    assert sent == [expected, expected, f"{running.url}/api/echo?x=1"]


def test_p2_a_request_sends_no_connection_header(running: RunningSandbox) -> None:
    """HTTP/1.1 keeps the connection open by default: "Connection: keep-alive" is not written."""
    client = HttpClient("Toy", running.url)
    client.request("GET", "/api/echo")
    client.request("GET", "/api/echo")
    pools = client.session.get_adapter(running.url).poolmanager.pools
    assert sum(int(pools[key].num_connections) for key in pools.keys()) == 1
    assert "Connection" not in client.session.headers
