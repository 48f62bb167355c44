"""BY-03: proof of receipt, an RFC 3161 token from a sandbox TSA over HTTP, checked offline."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from liasse.cli import cli
from liasse.errors import ProviderUnavailable
from liasse.http import HttpClient
from liasse.intake.proof import TimestampRefused, Verdict, request_token, token_time, verify
from liasse.sandbox import RunningSandbox, Sandbox, serve
from liasse.sandbox.tsa import TimeStampAuthority, mount_tsa

ORIGINAL = b"%PDF-1.7\n" + b"Releve de compte, octobre 2023\n" * 2000


@pytest.fixture(scope="module")
def authority() -> TimeStampAuthority:
    return TimeStampAuthority()


@pytest.fixture(scope="module")
def running(authority: TimeStampAuthority) -> Iterator[RunningSandbox]:
    from flask import Response

    sandbox = Sandbox("tsa", "TSA")
    mount_tsa(sandbox, authority=authority)
    replayed: list[bytes] = []

    @sandbox.app.post("/replaying-tsa")
    def replaying() -> Response:
        # A TSA (or a man in the middle) answering every request with the first answer it gave.
        from flask import request

        replayed.append(replayed[0] if replayed else authority.respond(request.get_data()))
        return Response(replayed[-1], mimetype="application/timestamp-reply")

    @sandbox.app.post("/refusing-tsa")
    def refusing() -> Response:
        return Response(authority.respond(b"not a query"), mimetype="application/timestamp-reply")

    with serve(sandbox) as server:
        yield server


@pytest.fixture(scope="module")
def client(running: RunningSandbox) -> Iterator[HttpClient]:
    http = HttpClient("TSA", running.url, timeout=5)
    yield http
    http.close()


@pytest.fixture
def received(tmp_path: Path) -> Path:
    path = tmp_path / "releve.pdf"
    path.write_bytes(ORIGINAL)
    return path


@pytest.fixture(scope="module")
def token(client: HttpClient, running: RunningSandbox) -> bytes:
    return request_token(client, f"{running.url}/tsa", hashlib.sha256(ORIGINAL).hexdigest())


@pytest.fixture(scope="module")
def other_token() -> bytes:
    """A genuine token over the same file from another authority, which the first CA never certified."""
    from asn1crypto import tsp

    query = tsp.TimeStampReq(
        {"version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(ORIGINAL).digest()}, "cert_req": True}
    )
    reply = tsp.TimeStampResp.load(TimeStampAuthority("rogue TSA", "rogue CA").respond(query.dump()))
    return reply["time_stamp_token"].dump()


def test_a_token_from_the_sandbox_tsa_proves_the_file_existed(token: bytes, received: Path, authority: TimeStampAuthority) -> None:
    verdict = verify(received, token, authority.ca_certificate_pem)

    assert verdict.ok, verdict.sentence_fr
    assert verdict.sha256 == hashlib.sha256(ORIGINAL).hexdigest()
    assert verdict.tsa_name == "liasse sandbox TSA"
    assert verdict.time is not None and abs(verdict.time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert verdict.time == token_time(token)
    assert verdict.sentence_fr.startswith(f"Le fichier « releve.pdf » (SHA-256 {verdict.sha256}) existait le ")
    assert "(heure de Paris) : jeton horodaté par « liasse sandbox TSA », signature valide" in verdict.sentence_fr
    assert verdict.sentence_fr.endswith(".") and ". " not in verdict.sentence_fr  # one sentence


def test_without_a_trust_anchor_the_signature_is_checked_and_the_sentence_says_the_issuer_was_not(token: bytes, received: Path) -> None:
    verdict = verify(received, token)

    assert verdict.ok
    assert "l'autorité n'a pas été vérifiée" in verdict.sentence_fr


def test_a_file_changed_by_one_byte_is_not_proven(token: bytes, received: Path, authority: TimeStampAuthority) -> None:
    changed = bytearray(ORIGINAL)
    changed[100] ^= 1
    received.write_bytes(bytes(changed))

    verdict = verify(received, token, authority.ca_certificate_pem)

    assert not verdict.ok
    assert verdict.sentence_fr == (
        "Le jeton ne correspond pas au fichier « releve.pdf » : il a été émis pour un autre contenu "
        f"(SHA-256 attendu {hashlib.sha256(ORIGINAL).hexdigest()}, obtenu {hashlib.sha256(bytes(changed)).hexdigest()})."
    )


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b"", "il est vide"),
        (b"this is not a token at all", "il n'est pas encodé en DER"),
        (b"\x30\x82\x10\x00\x06\x09", "il est tronqué"),
        (b"\x02\x01\x05", "ce n'est ni un jeton ni une réponse"),
    ],
)
def test_garbage_instead_of_a_token_is_told_in_a_sentence(garbage: bytes, reason: str, received: Path) -> None:
    verdict = verify(received, garbage)

    assert not verdict.ok
    assert verdict.sentence_fr.startswith("Ce jeton n'est pas un jeton d'horodatage RFC 3161 lisible : ")
    assert reason in verdict.sentence_fr


def test_a_truncated_token_is_told_in_a_sentence(token: bytes, received: Path) -> None:
    verdict = verify(received, token[: len(token) // 2])

    assert not verdict.ok
    assert "il est tronqué" in verdict.sentence_fr


def test_a_token_whose_signature_was_tampered_with_fails(token: bytes, received: Path, authority: TimeStampAuthority) -> None:
    # The gen_time sits inside the signed TSTInfo: moving it by one second breaks the message digest.
    moment = token_time(token).strftime("%Y%m%d%H%M%SZ").encode()
    forged = token.replace(moment, (token_time(token) + dt.timedelta(seconds=1)).strftime("%Y%m%d%H%M%SZ").encode(), 1)
    assert forged != token

    verdict = verify(received, forged, authority.ca_certificate_pem)

    assert not verdict.ok
    assert "l'information d'horodatage a été modifiée après sa signature" in verdict.sentence_fr


def test_a_token_from_another_tsa_is_refused_against_the_given_ca(other_token: bytes, received: Path, authority: TimeStampAuthority) -> None:
    verdict = verify(received, other_token, authority.ca_certificate_pem)

    assert not verdict.ok
    assert verdict.sentence_fr == (
        "Le jeton du fichier « releve.pdf », signé par « rogue TSA », n'est pas valable : "
        "son certificat n'a pas été émis par l'autorité de confiance indiquée (« liasse sandbox CA »)."
    )
    # The same token does prove the file against its own CA: only the chain failed.
    assert verify(received, other_token).ok


def test_a_whole_timestamp_reply_is_accepted_as_the_token(client: HttpClient, running: RunningSandbox, received: Path, authority: TimeStampAuthority) -> None:
    from asn1crypto import tsp

    query = tsp.TimeStampReq(
        {"version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(ORIGINAL).digest()}, "cert_req": True}
    )
    reply = client.request("POST", "/tsa", data=query.dump(), headers={"Content-Type": "application/timestamp-query"}).content

    assert verify(received, reply, authority.ca_certificate_pem).ok


def test_the_ca_certificate_is_served_beside_the_tsa(client: HttpClient, authority: TimeStampAuthority) -> None:
    response = client.request("GET", "/tsa/ca.pem")

    assert response.content == authority.ca_certificate_pem


def test_a_plain_requests_session_can_ask_for_the_token_too(running: RunningSandbox) -> None:
    with requests.Session() as session:
        token = request_token(session, f"{running.url}/tsa", "ab" * 32)

    assert token_time(token) <= dt.datetime.now(dt.UTC)


def test_a_refusal_of_the_tsa_is_a_liasse_error(client: HttpClient, running: RunningSandbox) -> None:
    with pytest.raises(TimestampRefused) as refused:
        request_token(client, f"{running.url}/no-tsa-here", "ab" * 32)

    assert "n'a pas délivré de jeton" in refused.value.message("fr")


def test_a_rejection_from_the_tsa_is_refused_with_its_reason(client: HttpClient, running: RunningSandbox) -> None:
    with pytest.raises(TimestampRefused) as refused:
        request_token(client, f"{running.url}/refusing-tsa", "ab" * 32)

    assert "rejection, bad_data_format, the request is not a DER TimeStampReq" in refused.value.message("en")


def test_a_replayed_answer_is_refused_for_its_nonce(client: HttpClient, running: RunningSandbox) -> None:
    request_token(client, f"{running.url}/replaying-tsa", "ab" * 32)

    with pytest.raises(TimestampRefused) as refused:
        request_token(client, f"{running.url}/replaying-tsa", "ab" * 32)

    assert "le jeton ne reprend pas le nonce de la demande" in refused.value.message("fr")


def test_an_unreachable_tsa_is_unavailable_not_lost() -> None:
    with requests.Session() as session, pytest.raises(ProviderUnavailable):
        request_token(session, "http://127.0.0.1:9/tsa", "ab" * 32, timeout=2)


def test_the_tsa_rejects_garbage_with_an_rfc_3161_answer(authority: TimeStampAuthority, received: Path) -> None:
    reply = authority.respond(b"garbage")

    verdict = verify(received, reply)
    assert not verdict.ok
    assert "réponse de refus" in verdict.sentence_fr


def test_verify_on_the_command_line_finds_the_token_beside_the_file(token: bytes, received: Path, authority: TimeStampAuthority, tmp_path: Path) -> None:
    received.with_name("releve.pdf.tsr").write_bytes(token)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(authority.ca_certificate_pem)

    result = CliRunner().invoke(cli, ["verify", str(received), "--ca", str(ca)])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Le fichier « releve.pdf »")
    assert result.output.count("\n") == 1


def test_verify_on_the_command_line_fails_with_exit_code_1(token: bytes, received: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "jeton.tsr"
    elsewhere.write_bytes(token)
    received.write_bytes(ORIGINAL + b"\n")

    result = CliRunner().invoke(cli, ["verify", str(received), "--token", str(elsewhere)])

    assert result.exit_code == 1
    assert result.output.startswith("Le jeton ne correspond pas au fichier « releve.pdf »")


def test_verify_on_the_command_line_without_any_token(received: Path) -> None:
    result = CliRunner().invoke(cli, ["verify", str(received)])

    assert result.exit_code == 1
    assert "« releve.pdf.tsr » est introuvable" in result.output


def test_verify_uses_the_ca_of_the_settings(token: bytes, received: Path, other_token: bytes, authority: TimeStampAuthority, tmp_path: Path) -> None:
    (tmp_path / "tsa-ca.pem").write_bytes(authority.ca_certificate_pem)
    config = tmp_path / "liasse.toml"
    config.write_text('[intake]\ntsa_ca_file = "tsa-ca.pem"\n', encoding="utf-8")
    received.with_name("releve.pdf.tsr").write_bytes(other_token)

    result = CliRunner().invoke(cli, ["--config", str(config), "verify", str(received)])

    assert result.exit_code == 1
    assert "n'a pas été émis par l'autorité de confiance indiquée" in result.output


def test_the_sentence_is_in_english_with_liasse_lang_en(token: bytes, received: Path, authority: TimeStampAuthority, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_LANG", "en")
    received.with_name("releve.pdf.tsr").write_bytes(token)

    verdict: Verdict = verify(received, token, authority.ca_certificate_pem)
    result = CliRunner().invoke(cli, ["verify", str(received)])

    assert verdict.message().startswith("The file 'releve.pdf' (SHA-256 ")
    assert "(Paris time): token time-stamped by 'liasse sandbox TSA', valid signature" in verdict.message()
    assert result.exit_code == 0
    assert result.output.startswith("The file 'releve.pdf'")
    received.write_bytes(b"another content")
    assert verify(received, token).message().startswith("The token does not match the file 'releve.pdf': it was issued for other content")
