"""AR24, first slice: signing, the envelope and "Tester l'accès au service" (AR-01).

The plugin talks to its sandbox over real loopback HTTP; crafted requests
(wrong date, no signature) go through ``requests`` like any other client.
The signing vectors were computed outside Python, with ``sha256sum`` and
``openssl enc -aes-256-cbc`` from the recipe of providers.md §1.3.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest
import requests

from liasse.errors import AccessDenied, ProviderError, ProviderUnavailable
from liasse.http import HttpClient
from liasse.records import Credentials, ProviderContext
from liasse.sandbox import RunningSandbox, load_sandbox, serve
from liasse.secrets import Secret

from liasse_ar24 import plugin
from liasse_ar24.client import AR24Client, RequestDateRefused
from liasse_ar24.sandbox import (
    DEMO_PRIVATE_KEY,
    DEMO_TOKEN,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    AR24State,
    create_sandbox,
)
from liasse_ar24.settings import AR24Settings
from liasse_ar24.signing import (
    UndecryptableResponse,
    decrypt_response,
    encrypt_response,
    paris_now_string,
    parse_paris_date,
    request_signature,
    verify_signature,
)

TIMEOUT = 10

# Computed by hand (shell) for private key "demo-private-key" and date "2025-03-14 09:26:53":
#   hk  = sha256_hex(key)        = 1d65b5c99867cb361f7300e5db25dd45 19520f8c…  → AES key = first 32 chars
#   iv  = sha256_hex(hk)[:16]    = 287021d562be521a
#   signature = openssl enc -aes-256-cbc -K hex("1d65…dd45") -iv hex("2870…521a") -base64
#   response key = sha256_hex(date + key)[:32] = a162b72e5321270e085dbfc4d020ca9d
VECTOR_KEY = "demo-private-key"
VECTOR_DATE = "2025-03-14 09:26:53"
VECTOR_SIGNATURE = "E6yqxGNqTYs1hAdCCyVXRgxfmXP//GIh8ePGmxMfJHM="
VECTOR_PLAIN = '{"status":"SUCCESS","result":{"id":1001}}'
VECTOR_BODY = "gpqm+NRj1jNk4Go6dMBYY+na+EqrSUBCNb7XkFv4ruf6ff43SuXjWsmOTAw8A/ll"


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    """A fresh AR24 sandbox on loopback."""
    running = serve(create_sandbox())
    yield running
    running.stop()


def make_ctx(
    running: RunningSandbox,
    *,
    token: str = DEMO_TOKEN,
    private_key: str = DEMO_PRIVATE_KEY,
    credentials: Credentials | None = None,
) -> ProviderContext[AR24Settings]:
    """The context liasse would build for user FICH of the FICHORGA office."""
    return ProviderContext(
        provider="ar24",
        settings=AR24Settings(base_url=running.url + "/api", token=Secret(token), private_key=Secret(private_key)),
        http=HttpClient("AR24", running.url + "/api"),
        user_login="FICH",
        office_name="Groupe FICHORGA",
        credentials=credentials,
    )


def demo_user() -> Credentials:
    """The demo user's AR24 account, as liasse decrypts it for a call."""
    return Credentials(login=DEMO_USER_EMAIL, secret=Secret(DEMO_USER_PASSWORD))


def signed_get(running: RunningSandbox, path: str, date: str, **params: str) -> requests.Response:
    """A hand-made, correctly signed GET: what any AR24 client sends."""
    return requests.get(
        f"{running.url}/api/{path}",
        params={**params, "token": DEMO_TOKEN, "date": date},
        headers={"signature": request_signature(date, DEMO_PRIVATE_KEY)},
        timeout=TIMEOUT,
    )


# --- signing ------------------------------------------------------------------------


def test_signature_matches_the_hand_computed_vector() -> None:
    """The signature is the one an independent AES implementation gives for §1.3's recipe."""
    assert request_signature(VECTOR_DATE, VECTOR_KEY) == VECTOR_SIGNATURE
    assert verify_signature(VECTOR_SIGNATURE, VECTOR_DATE, VECTOR_KEY)
    assert not verify_signature(VECTOR_SIGNATURE, "2025-03-14 09:26:54", VECTOR_KEY)
    assert not verify_signature(VECTOR_SIGNATURE, VECTOR_DATE, "another-key")


def test_response_encryption_matches_the_hand_computed_vector() -> None:
    """The response key mixes in the date, and PKCS#7 padding matches openssl's."""
    assert encrypt_response(json.loads(VECTOR_PLAIN), VECTOR_DATE, VECTOR_KEY) == VECTOR_BODY
    assert decrypt_response(VECTOR_BODY, VECTOR_DATE, VECTOR_KEY) == json.loads(VECTOR_PLAIN)
    assert decrypt_response(VECTOR_BODY.encode() + b"\n", VECTOR_DATE, VECTOR_KEY)["result"] == {"id": 1001}


def test_response_round_trip_and_wrong_keys() -> None:
    """A body decrypts only with the exact date and private key of its request."""
    payload = {"status": "SUCCESS", "result": {"name": "Étude FICHORGA", "ids": [1, 2]}}
    body = encrypt_response(payload, VECTOR_DATE, VECTOR_KEY)
    assert decrypt_response(body, VECTOR_DATE, VECTOR_KEY) == payload
    with pytest.raises(UndecryptableResponse):
        decrypt_response(body, "2025-03-14 09:26:54", VECTOR_KEY)
    with pytest.raises(UndecryptableResponse):
        decrypt_response(body, VECTOR_DATE, "another-key")
    with pytest.raises(UndecryptableResponse):
        decrypt_response("<html>not base64</html>", VECTOR_DATE, VECTOR_KEY)


def test_paris_date_string_follows_summer_time() -> None:
    """AR24 reads dates in Paris time; a UTC or naive date would be refused as skewed."""
    assert paris_now_string(dt.datetime(2025, 1, 15, 12, 0, 5, tzinfo=dt.UTC)) == "2025-01-15 13:00:05"
    assert paris_now_string(dt.datetime(2025, 7, 15, 12, 0, 5, tzinfo=dt.UTC)) == "2025-07-15 14:00:05"
    with pytest.raises(ValueError):
        paris_now_string(dt.datetime(2025, 7, 15, 12, 0, 5))
    assert parse_paris_date("2025-07-15 14:00:05") == (dt.datetime(2025, 7, 15, 12, 0, 5, tzinfo=dt.UTC),)
    assert len(parse_paris_date("2025-10-26 02:30:00")) == 2  # the autumn hour that repeats
    assert parse_paris_date("15/07/2025 14:00:05") == ()
    assert parse_paris_date("2025-7-15 14:00:05") == ()


# --- the provider's declaration -------------------------------------------------------


def test_provider_info_and_entry_point() -> None:
    """liasse finds AR24 by its entry point and learns its title, limits and sandbox."""
    info = plugin.liasse_provider_info()
    assert info.title == "AR24"
    assert info.settings is AR24Settings
    assert info.site_url == "https://www.ar24.fr"
    assert [f.name for f in info.credential_fields] == ["login", "password"]
    assert info.limits is not None and info.limits.media_types == frozenset({"application/pdf"})
    assert load_sandbox(info.sandbox).name == "ar24"
    (entry,) = [e for e in entry_points(group="liasse.plugins") if e.name == "ar24"]
    assert entry.value == "liasse_ar24.plugin"


def test_demo_accounts_are_printed() -> None:
    """``liasse demo`` connects the user with the user account and writes the office's keys from demo_secrets."""
    sandbox = create_sandbox()
    first = sandbox.user_account
    assert first is not None
    assert (first.login, first.secret) == (DEMO_USER_EMAIL, DEMO_USER_PASSWORD)
    assert (DEMO_TOKEN, DEMO_PRIVATE_KEY) in {(a.login, a.secret) for a in sandbox.demo_accounts}
    assert sandbox.demo_secrets == {"token": DEMO_TOKEN, "private_key": DEMO_PRIVATE_KEY}
    assert sandbox.api_root == "/api"
    assert isinstance(sandbox.app.config["AR24_STATE"], AR24State)


# --- "Tester l'accès au service" --------------------------------------------------------


def test_ar01_check_access_with_valid_token(running: RunningSandbox) -> None:
    """AR-01: with the user's AR24 e-mail the account is checked; without it, the office's keys."""
    report = plugin.liasse_check_access(make_ctx(running, credentials=demo_user()))
    assert report.ok
    assert report.account == DEMO_USER_EMAIL
    assert "Jean FICHORGA" in report.detail and "n° 1001" in report.detail

    office_only = plugin.liasse_check_access(make_ctx(running))
    assert office_only.ok
    assert office_only.account == "Groupe FICHORGA"
    assert "1 compte(s) AR24" in office_only.detail


def test_unknown_user_is_a_provider_error_quoting_the_slug(running: RunningSandbox) -> None:
    """A business refusal is not a credentials problem: the user reads AR24's message and code."""
    ctx = make_ctx(running, credentials=Credentials(login="personne@example.org", secret=Secret("x")))
    with pytest.raises(ProviderError) as caught:
        plugin.liasse_check_access(ctx)
    assert not isinstance(caught.value, AccessDenied)
    assert "user_not_exist" in str(caught.value)
    assert "L'utilisateur n'existe pas" in str(caught.value)
    # AR24's words only name the problem: liasse adds what to do about it.
    assert "Vérifiez l'e-mail du compte AR24 dans vos réglages" in caught.value.message("fr")
    assert "create that account on ar24.fr" in caught.value.message("en")


def test_unconfirmed_user_fails_the_test_with_what_to_do() -> None:
    """AR-01: an account awaiting its e-mailed confirmation cannot send yet."""
    state = AR24State.demo()
    state.add_user(
        "stagiaire@fichorga.example", "pw", firstname="Léo", lastname="Martin", confirmed=False, attached_to=DEMO_TOKEN
    )
    with serve(create_sandbox(state)) as running:
        ctx = make_ctx(running, credentials=Credentials(login="stagiaire@fichorga.example", secret=Secret("pw")))
        report = plugin.liasse_check_access(ctx)
    assert not report.ok
    assert "lien de confirmation" in report.detail


def test_wrong_token_refused_with_slug(running: RunningSandbox) -> None:
    """AR24 answers HTTP 200 with a slug; the plugin turns it into AccessDenied."""
    with pytest.raises(AccessDenied) as caught:
        plugin.liasse_check_access(make_ctx(running, token="not-the-token", credentials=demo_user()))
    assert caught.value.params["slug"] == "token_invalid"
    # The office's keys are at fault, so the sentence sends the user to liasse.toml, not to a login.
    assert "AR24 refuse les clés de l'étude (token, private_key)" in caught.value.message("fr")
    assert "[providers.ar24]" in caught.value.message("en")

    with pytest.raises(AccessDenied) as missing:
        plugin.liasse_check_access(make_ctx(running, token=""))
    assert missing.value.params["slug"] == "token_missing"

    answer = requests.get(f"{running.url}/api/user/list", params={"token": "nope"}, timeout=TIMEOUT)
    assert answer.status_code == 200  # AR24 answers 200 even when it refuses
    assert answer.json() == {"status": "ERROR", "slug": "token_invalid", "message": "Le token est invalide."}


def test_wrong_signature_refused(running: RunningSandbox) -> None:
    """A wrong private key or a missing signature is refused before any data is served."""
    with pytest.raises(AccessDenied) as caught:
        plugin.liasse_check_access(make_ctx(running, private_key="not-the-private-key"))
    assert caught.value.params["slug"] == "invalid_signature"

    date = paris_now_string()
    unsigned = requests.get(
        f"{running.url}/api/user/list", params={"token": DEMO_TOKEN, "date": date}, timeout=TIMEOUT
    )
    assert unsigned.json()["slug"] == "empty_signature"
    english = requests.get(
        f"{running.url}/api/user/list",
        params={"token": DEMO_TOKEN, "date": date},
        headers={"signature": request_signature(date, "wrong"), "Accept-Language": "en"},
        timeout=TIMEOUT,
    )
    assert english.json() == {"status": "ERROR", "slug": "invalid_signature", "message": "The signature is invalid."}


def test_skewed_date_refused(running: RunningSandbox) -> None:
    """The date proves freshness: too old, ahead, malformed or missing is refused."""
    now = dt.datetime.now(dt.UTC)
    assert signed_get(running, "user/list", paris_now_string(now - dt.timedelta(minutes=10))).json()["slug"] == (
        "expired_date"
    )
    assert signed_get(running, "user/list", paris_now_string(now + dt.timedelta(minutes=10))).json()["slug"] == (
        "date_in_future"
    )
    utc_written_as_paris = now.strftime("%Y-%m-%d %H:%M:%S")  # the classic mistake: UTC sent as Paris time
    assert signed_get(running, "user/list", utc_written_as_paris).json()["slug"] in {"expired_date", "date_in_future"}
    assert signed_get(running, "user/list", now.isoformat()).json()["slug"] == "invalid_date"
    assert signed_get(running, "user/list", "").json()["slug"] == "empty_date"
    assert signed_get(running, "user/list", paris_now_string(now - dt.timedelta(minutes=2))).status_code == 200

    late_clock = AR24Client(make_ctx(running), clock=lambda: now - dt.timedelta(hours=1))
    with pytest.raises(RequestDateRefused) as caught:
        late_clock.users()
    assert isinstance(caught.value, AccessDenied)
    assert caught.value.params["slug"] == "expired_date"
    assert "horloge" in caught.value.message("fr")


def test_responses_are_encrypted_on_the_wire(running: RunningSandbox) -> None:
    """Successful answers travel encrypted with the request's date and the private key."""
    date = paris_now_string()
    answer = signed_get(running, "user/", date, email=DEMO_USER_EMAIL)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    for clear in (DEMO_USER_EMAIL, "FICHORGA", "SUCCESS", DEMO_TOKEN, DEMO_PRIVATE_KEY):
        assert clear not in answer.text
    envelope = decrypt_response(answer.content, date, DEMO_PRIVATE_KEY)
    assert envelope["status"] == "SUCCESS"
    assert envelope["result"]["email"] == DEMO_USER_EMAIL
    assert "password" not in envelope["result"]
    other_date = paris_now_string(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    with pytest.raises(UndecryptableResponse):
        decrypt_response(answer.content, other_date, DEMO_PRIVATE_KEY)


def test_maintenance_gives_provider_unavailable(running: RunningSandbox) -> None:
    """During maintenance nothing is lost: the user is told to retry later."""
    switch = f"{running.url}/_sandbox/maintenance"
    assert requests.post(switch, json={"on": True}, timeout=TIMEOUT).json() == {"on": True}
    answer = signed_get(running, "user/list", paris_now_string())
    assert (answer.status_code, answer.json()) == (200, {"status": "maintenance"})
    with pytest.raises(ProviderUnavailable) as caught:
        plugin.liasse_check_access(make_ctx(running, credentials=demo_user()))
    assert "AR24 ne répond pas (maintenance)" in caught.value.message("fr")

    assert requests.post(switch, json={"on": False}, timeout=TIMEOUT).json() == {"on": False}
    assert plugin.liasse_check_access(make_ctx(running, credentials=demo_user())).ok


def test_unavailable_sandbox_is_provider_unavailable(running: RunningSandbox) -> None:
    """A 503 in front of AR24 is unavailability, not a refusal."""
    requests.post(
        # Down through the three attempts of a call (liasse retries a 503).
        f"{running.url}/_sandbox/faults", json={"kind": "status", "path": "/api/", "status": 503, "times": 3}, timeout=TIMEOUT
    )
    with pytest.raises(ProviderUnavailable):
        plugin.liasse_check_access(make_ctx(running))


def test_secrets_never_in_repr_or_error(running: RunningSandbox, caplog: pytest.LogCaptureFixture) -> None:
    """Token, private key and password never reach a repr, an error message or a log."""
    secrets = (DEMO_TOKEN, DEMO_PRIVATE_KEY, DEMO_USER_PASSWORD)
    ctx = make_ctx(running, credentials=demo_user())
    seen = [repr(ctx), repr(ctx.settings), str(ctx.settings), repr(AR24Client(ctx))]

    caplog.set_level(logging.DEBUG)
    plugin.liasse_check_access(ctx)
    for bad in (
        make_ctx(running, private_key="not-the-private-key", credentials=demo_user()),
        make_ctx(running, token="not-the-token"),
        make_ctx(running, credentials=Credentials(login="personne@example.org", secret=Secret(DEMO_USER_PASSWORD))),
    ):
        with pytest.raises(ProviderError) as caught:
            plugin.liasse_check_access(bad)
        seen += [str(caught.value), repr(caught.value), caught.value.message("en"), repr(caught.value.params)]
    logged = [r.getMessage() for r in caplog.records]
    assert any("/api/user/?" in line for line in logged)  # urllib3 did log the request lines, query included
    seen += logged

    for text in seen:
        for secret in secrets:
            assert secret not in text, text


def test_plugin_module_imports_no_requests() -> None:
    """Listing plugins must not pay for requests, Flask or cryptography."""
    code = (
        "import sys, liasse_ar24.plugin, liasse_ar24.client, liasse_ar24.settings\n"
        "print(sorted(m for m in ('requests', 'urllib3', 'flask', 'werkzeug', 'cryptography') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_ar01_sandbox_creates_users_with_ar24s_slugs(running: RunningSandbox) -> None:
    """``POST user/``: §1.6's required fields, ``user_already_exist``, then the confirmation e-mail."""
    ctx = make_ctx(running)
    client = AR24Client(ctx)
    fields = {
        "firstname": "Hélène",
        "lastname": "CLÉMENT",
        "email": "helene.clement@fichorga.fr",
        "address1": "12 rue Jeanne d'Arc",
        "zipcode": "45000",
        "city": "ORLÉANS",
        "country": "FR",
        "statut": "professionnel",
        "company_siret": "123 456 789 00012",
    }
    with pytest.raises(ProviderError) as caught:
        client.call("POST", "user/", {k: v for k, v in fields.items() if k != "city"})
    assert caught.value.params["slug"] == "missing_city"
    with pytest.raises(ProviderError) as caught:
        client.call("POST", "user/", {**fields, "company_siret": "123"})
    assert caught.value.params["slug"] == "error_company_siret"
    made = client.call("POST", "user/", fields)
    assert made["email"] == "helene.clement@fichorga.fr" and made["confirmed"] is False
    with pytest.raises(ProviderError) as caught:
        client.call("POST", "user/", fields)
    assert caught.value.params["slug"] == "user_already_exist"
    mails = requests.get(f"{running.url}/_sandbox/outbox", params={"to": "helene.clement@fichorga.fr"}, timeout=TIMEOUT)
    assert "/confirm_access/" in mails.json()[-1]["body"]
