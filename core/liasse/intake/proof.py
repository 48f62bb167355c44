"""Proof of receipt (BY-03): an RFC 3161 time-stamp token over a received original.

:func:`request_token` asks the office's time-stamping authority (TSA) for a
token over a file's SHA-256; the token is kept with the attachment.
:func:`verify` checks a file against its token offline, years later, and says
in one sentence what it proves or why it does not:

* the token's message imprint is the file's hash;
* the CMS signature over the signed attributes is valid with the key of the
  TSA certificate carried in the token, and those attributes bind the
  signature to the time-stamp info (content type, message digest) and, when
  present, to that very certificate (ESS signing-certificate);
* the certificate is a time-stamping one (extendedKeyUsage ``timeStamping``,
  critical, RFC 3161 §2.3) and was valid when the token was issued;
* when a trust anchor is given, the certificate chains up to it.

Revocation is not checked: verification is offline by design, and a TSA
certificate revoked after the fact does not undo tokens issued before.

``asn1crypto`` and ``cryptography`` are imported here, not by ``liasse.intake``:
only the code that proves or verifies pays for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from liasse.errors import ProviderUnavailable, TimestampRefused
from liasse.messages import Lang, default_lang

if TYPE_CHECKING:
    from liasse.http import HttpClient

CHUNK = 1024 * 1024
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
#: A TimeStampResp with its certificates is a few kilobytes; a larger answer is not one.
MAX_REPLY_BYTES = 1024 * 1024
#: The office's time zone when the caller does not say: the users are French offices.
DEFAULT_TIMEZONE = "Europe/Paris"
#: Longest certificate chain followed from the TSA certificate to a trust anchor.
MAX_CHAIN = 6

_HASHES: Mapping[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class _TimeStampResp(core.Sequence):  # type: ignore[misc]  # asn1crypto ships no type hints
    """RFC 3161's TimeStampResp, whose token is OPTIONAL: asn1crypto 1.5 wrongly requires it."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


@attrs.frozen
class Verdict:
    """What :func:`verify` concluded, as one sentence per language."""

    ok: bool
    sentence_fr: str
    sentence_en: str
    #: When the TSA says the file existed (UTC); None when the token could not be read.
    time: dt.datetime | None = None
    #: The TSA certificate's common name; empty when unknown.
    tsa_name: str = ""
    #: The file's SHA-256 in hex; empty when the file could not be read.
    sha256: str = ""

    def message(self, lang: Lang | None = None) -> str:
        """The sentence in ``lang`` (the process default when omitted)."""
        return self.sentence_en if (lang or default_lang()) == "en" else self.sentence_fr

    def __str__(self) -> str:
        return self.message()


# --- asking for a token --------------------------------------------------------------


def request_token(http: HttpClient | Any, tsa_url: str, sha256_hex: str, *, timeout: float = 30.0) -> bytes:
    """Ask the TSA at ``tsa_url`` for a token over ``sha256_hex``; return the token (DER).

    ``http`` is a :class:`~liasse.http.HttpClient` or anything with
    ``requests``' ``post`` (a session, the module). The request carries a
    fresh nonce and asks for the TSA certificate, so the token verifies
    offline on its own; the answer's status, nonce and imprint are checked
    before the token is accepted.

    Raises ProviderUnavailable when the TSA cannot be reached or is down,
    TimestampRefused when it answers without a usable token.
    """
    digest = bytes.fromhex(sha256_hex)
    if len(digest) != 32:
        raise ValueError(f"not a SHA-256 in hex: {sha256_hex!r}")
    tsa = urlsplit(tsa_url).netloc or tsa_url
    # 63 bits: a positive INTEGER every TSA encodes the same way, and unguessable enough to tie the answer to this request.
    nonce = secrets.randbits(63)
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()
    body, content_type = _post(http, tsa_url, tsa, query, timeout)
    if content_type and content_type != REPLY_TYPE:
        raise _refused(tsa, f"réponse de type « {content_type} » au lieu de {REPLY_TYPE}", f"answered '{content_type}' instead of {REPLY_TYPE}")
    try:
        reply = _TimeStampResp.load(body, strict=True)
        status = reply["status"]
        granted = status["status"].native
        token = reply["time_stamp_token"]
        token_der: bytes | None = None if isinstance(token, core.Void) else bytes(token.dump())
    except (ValueError, TypeError, KeyError):
        raise _refused(tsa, "réponse illisible (ce n'est pas une réponse RFC 3161)", "unreadable answer (not an RFC 3161 response)") from None
    if granted not in ("granted", "granted_with_mods") or token_der is None:
        words = "; ".join(str(text) for text in (status["status_string"].native or []))
        reasons = sorted(status["fail_info"].native or ())
        detail = ", ".join(filter(None, [str(granted), *reasons, words]))
        raise _refused(tsa, f"demande refusée ({detail})", f"request refused ({detail})")
    try:
        info = _tst_info(cms.ContentInfo.load(token_der))
        answered_nonce = info["nonce"].native
        imprint = info["message_imprint"]
        imprint_algorithm = imprint["hash_algorithm"]["algorithm"].native
        imprint_digest = imprint["hashed_message"].native
    except (ValueError, TypeError, KeyError, _Unreadable):
        raise _refused(tsa, "le jeton reçu est illisible", "the token received is unreadable") from None
    if answered_nonce != nonce:
        # A replayed or crossed answer: it may be a genuine token, but not for this request.
        raise _refused(tsa, "le jeton ne reprend pas le nonce de la demande", "the token does not carry the request's nonce")
    if imprint_algorithm != "sha256" or imprint_digest != digest:
        raise _refused(tsa, "le jeton a été émis pour une autre empreinte que celle demandée", "the token was issued for another imprint than the one asked for")
    return token_der


def _post(http: Any, url: str, tsa: str, query: bytes, timeout: float) -> tuple[bytes, str]:
    """POST the query; return the body and its media type, or raise ProviderUnavailable/TimestampRefused."""
    from liasse.http import HttpClient

    headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
    title = f"TSA {tsa}"
    if isinstance(http, HttpClient):
        response = http.request(
            "POST",
            url,
            data=query,
            headers=headers,
            expect=(200,),
            refuse=lambda r: _refused(tsa, f"réponse HTTP {r.status_code}", f"HTTP {r.status_code}"),
        )
    else:
        import requests

        try:
            response = http.post(url, data=query, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            raise ProviderUnavailable(title=title, detail="délai dépassé / timed out") from None
        except requests.ConnectionError:
            raise ProviderUnavailable(title=title, detail="connexion impossible / cannot connect") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(title=title, detail=f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise _refused(tsa, f"réponse HTTP {response.status_code}", f"HTTP {response.status_code}")
    body = response.content
    if len(body) > MAX_REPLY_BYTES:
        raise _refused(tsa, "réponse trop volumineuse pour être un jeton", "answer too large to be a token")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return body, content_type


def _refused(tsa: str, reason_fr: str, reason_en: str) -> TimestampRefused:
    return TimestampRefused(tsa=tsa, reason_fr=reason_fr, reason_en=reason_en)


# --- reading a token -----------------------------------------------------------------


class _Unreadable(Exception):
    """The token cannot be read; the arguments are the French and English reasons."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(en)
        self.fr, self.en = fr, en


def _load_token(token: bytes) -> cms.ContentInfo:
    """The TimeStampToken in ``token``: the token itself, or a whole TimeStampResp (``openssl ts -reply``)."""
    if not token:
        raise _Unreadable("il est vide", "it is empty")
    try:
        # Parses the outer header and length: a truncated or non-DER token shows here.
        outer = core.load(token, strict=True)
    except (ValueError, TypeError) as exc:
        if token[0] == 0x30 and "Insufficient data" in str(exc):
            raise _Unreadable("il est tronqué", "it is truncated") from None
        raise _Unreadable("il n'est pas encodé en DER", "it is not DER-encoded") from None
    if not isinstance(outer, core.Sequence):
        raise _Unreadable("ce n'est ni un jeton ni une réponse d'horodatage RFC 3161", "it is neither an RFC 3161 time-stamp token nor a response")
    for attempt in (_as_token, _as_reply):
        try:
            found = attempt(token)
        except (ValueError, TypeError, KeyError):
            continue
        if found is not None:
            try:
                # asn1crypto parses lazily: parse it all now, so a bad field deep inside
                # is told as an unreadable token rather than failing a later check.
                found.native  # noqa: B018
            except (ValueError, TypeError, KeyError):
                raise _Unreadable("sa structure est invalide", "its structure is invalid") from None
            return found
    raise _Unreadable("ce n'est ni un jeton ni une réponse d'horodatage RFC 3161", "it is neither an RFC 3161 time-stamp token nor a response")


def _as_token(token: bytes) -> cms.ContentInfo | None:
    info = cms.ContentInfo.load(token, strict=True)
    return info if info["content_type"].native == "signed_data" else None


def _as_reply(token: bytes) -> cms.ContentInfo | None:
    reply = _TimeStampResp.load(token, strict=True)
    found = reply["time_stamp_token"]
    if isinstance(found, core.Void):
        status = reply["status"]["status"].native
        raise _Unreadable(f"c'est une réponse de refus de l'autorité ({status}), sans jeton", f"it is the authority's refusal ({status}), with no token")
    return found if found["content_type"].native == "signed_data" else None


def _tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    """The TSTInfo signed in ``token``, fully parsed."""
    encap = token["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise _Unreadable("il ne contient pas d'information d'horodatage (TSTInfo)", "it holds no time-stamp info (TSTInfo)")
    info = encap["content"].parsed
    if not isinstance(info, tsp.TSTInfo):
        raise _Unreadable("il ne contient pas d'information d'horodatage (TSTInfo)", "it holds no time-stamp info (TSTInfo)")
    info.native  # noqa: B018 - asn1crypto parses lazily: force it so a bad field fails here, not later
    return info


def token_time(token: bytes) -> dt.datetime:
    """When the TSA says the stamped content existed (timezone-aware, UTC).

    Raises ValueError when ``token`` is not a readable time-stamp token.
    """
    try:
        moment: dt.datetime = _tst_info(_load_token(token))["gen_time"].native
    except _Unreadable as exc:
        raise ValueError(f"not a time-stamp token: {exc.en}") from None
    except (TypeError, KeyError) as exc:
        raise ValueError(f"not a time-stamp token: {exc}") from None
    return moment.astimezone(dt.UTC)


# --- verifying -----------------------------------------------------------------------


def verify(file: Path, token: bytes, trust: bytes | None = None, *, timezone: str = DEFAULT_TIMEZONE) -> Verdict:
    """Check ``file`` against its time-stamp ``token``, offline; never raises on bad input.

    ``trust`` holds the trust anchors (PEM, one or more certificates, or one
    DER certificate): the TSA's CA, or the TSA certificate itself. Without
    it the signature is still checked, and the sentence says the issuer was
    not. ``timezone`` is the office's, for the time in the sentence.
    """
    try:
        return _verify(Path(file), token, trust, timezone)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        # The checks below read a hostile structure field by field; one they did not foresee
        # is still a token that proves nothing, never a traceback.
        return _no(
            "Ce jeton n'est pas un jeton d'horodatage RFC 3161 lisible : sa structure est invalide.",
            "This token is not a readable RFC 3161 time-stamp token: its structure is invalid.",
        )


def _verify(file: Path, token: bytes, trust: bytes | None, timezone: str) -> Verdict:
    name = file.name
    try:
        content = _load_token(token)
        info = _tst_info(content)
        imprint_algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
        imprint = info["message_imprint"]["hashed_message"].native
        moment = info["gen_time"].native.astimezone(dt.UTC)
    except _Unreadable as exc:
        return _no(f"Ce jeton n'est pas un jeton d'horodatage RFC 3161 lisible : {exc.fr}.", f"This token is not a readable RFC 3161 time-stamp token: {exc.en}.")
    except (ValueError, TypeError, KeyError, AttributeError):
        return _no(
            "Ce jeton n'est pas un jeton d'horodatage RFC 3161 lisible : sa structure est invalide.",
            "This token is not a readable RFC 3161 time-stamp token: its structure is invalid.",
        )
    if imprint_algorithm not in _HASHES or imprint_algorithm == "sha1":
        return _no(
            f"Le jeton utilise l'empreinte « {imprint_algorithm} », que liasse n'accepte pas comme preuve (SHA-256 ou plus fort attendu).",
            f"The token uses the '{imprint_algorithm}' hash, which liasse does not accept as proof (SHA-256 or stronger expected).",
            time=moment,
        )
    try:
        digests = _hash_file(file, {"sha256", imprint_algorithm})
    except FileNotFoundError:
        return _no(f"Le fichier « {name} » est introuvable.", f"The file '{name}' does not exist.", time=moment)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _no(f"Le fichier « {name} » ne peut pas être lu ({reason}).", f"The file '{name}' cannot be read ({reason}).", time=moment)
    sha256 = digests["sha256"].hex()
    if digests[imprint_algorithm] != imprint:
        expected = imprint.hex() if isinstance(imprint, bytes) else "?"
        label = imprint_algorithm.upper().replace("SHA", "SHA-")
        return _no(
            f"Le jeton ne correspond pas au fichier « {name} » : il a été émis pour un autre contenu ({label} attendu {expected}, obtenu {digests[imprint_algorithm].hex()}).",
            f"The token does not match the file '{name}': it was issued for other content ({label} expected {expected}, got {digests[imprint_algorithm].hex()}).",
            time=moment,
            sha256=sha256,
        )
    try:
        signer, others = _check_signature(content)
    except _Unreadable as exc:
        return _no(
            f"Le jeton du fichier « {name} » n'est pas valable : {exc.fr}.",
            f"The token of the file '{name}' is not valid: {exc.en}.",
            time=moment,
            sha256=sha256,
        )
    tsa_name = _common_name(signer.subject)
    problem = _check_tsa_certificate(signer, moment)
    if problem is None and trust is not None:
        problem = _check_chain(signer, others, trust, moment)
    if problem is not None:
        return _no(
            f"Le jeton du fichier « {name} », signé par « {tsa_name} », n'est pas valable : {problem.fr}.",
            f"The token of the file '{name}', signed by '{tsa_name}', is not valid: {problem.en}.",
            time=moment,
            sha256=sha256,
            tsa_name=tsa_name,
        )
    zone_fr, zone_en, local = _local(moment, timezone)
    when_fr = f"le {local:%d/%m/%Y} à {local:%H:%M:%S} ({zone_fr})"
    when_en = f"on {local:%d/%m/%Y} at {local:%H:%M:%S} ({zone_en})"
    if trust is None:
        tail_fr = "signature valide, mais l'autorité n'a pas été vérifiée faute de certificat de confiance"
        tail_en = "valid signature, but the authority was not checked for want of a trusted certificate"
    else:
        tail_fr = "signature valide, certificat reconnu par l'autorité de confiance"
        tail_en = "valid signature, certificate recognised by the trusted authority"
    return Verdict(
        ok=True,
        sentence_fr=f"Le fichier « {name} » (SHA-256 {sha256}) existait {when_fr} : jeton horodaté par « {tsa_name} », {tail_fr}.",
        sentence_en=f"The file '{name}' (SHA-256 {sha256}) existed {when_en}: token time-stamped by '{tsa_name}', {tail_en}.",
        time=moment,
        tsa_name=tsa_name,
        sha256=sha256,
    )


def _no(fr: str, en: str, **fields: Any) -> Verdict:
    return Verdict(ok=False, sentence_fr=fr, sentence_en=en, **fields)


def _hash_file(path: Path, algorithms: Iterable[str]) -> dict[str, bytes]:
    """The file's digests, read once in chunks: received originals may be large."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.digest() for name, hasher in hashers.items()}


def _check_signature(content: cms.ContentInfo) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """Check the CMS signature; return the signer's certificate and the token's other certificates."""
    signed_data = content["content"]
    signer_infos = list(signed_data["signer_infos"])
    if len(signer_infos) != 1:
        # RFC 3161 §2.4.2: exactly one signer, the TSA.
        raise _Unreadable(f"il porte {len(signer_infos)} signatures au lieu d'une", f"it carries {len(signer_infos)} signatures instead of one")
    signer_info = signer_infos[0]
    certificates: list[tuple[Any, x509.Certificate]] = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            try:
                certificates.append((choice.chosen, x509.load_der_x509_certificate(choice.chosen.dump())))
            except ValueError:
                continue
    signer = _signer_certificate(signer_info["sid"], certificates)
    if signer is None:
        raise _Unreadable(
            "il ne contient pas le certificat de l'autorité qui l'a signé",
            "it does not contain the certificate of the authority that signed it",
        )
    signer_asn1, signer_cert = signer
    signed_attrs = signer_info["signed_attrs"]
    if isinstance(signed_attrs, core.Void) or not len(signed_attrs):
        raise _Unreadable("sa signature ne porte sur aucun attribut signé", "its signature covers no signed attributes")
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES or digest_name == "sha1":
        raise _Unreadable(f"il est signé avec l'empreinte « {digest_name} », refusée", f"it is signed with the '{digest_name}' hash, refused")
    attributes = {attr["type"].native: attr["values"] for attr in signed_attrs}
    if "content_type" not in attributes or attributes["content_type"][0].native != "tst_info":
        raise _Unreadable("ses attributs signés ne désignent pas une information d'horodatage", "its signed attributes do not designate time-stamp info")
    econtent = signed_data["encap_content_info"]["content"].contents
    if "message_digest" not in attributes or attributes["message_digest"][0].native != hashlib.new(digest_name, econtent).digest():
        raise _Unreadable(
            "l'information d'horodatage a été modifiée après sa signature",
            "the time-stamp info was altered after it was signed",
        )
    _check_signing_certificate(attributes, signer_asn1)
    # RFC 5652 §5.4: the signature covers the attributes encoded as a SET OF, not as the
    # [0] IMPLICIT field they are stored in; the original bytes are kept, never re-encoded.
    raw = signed_attrs.dump()
    to_check = b"\x31" + raw[1:]
    signature = signer_info["signature"].native
    algorithm = signer_info["signature_algorithm"]
    try:
        _verify_signature(signer_cert.public_key(), signature, to_check, digest_name, algorithm)
    except InvalidSignature:
        raise _Unreadable("sa signature ne correspond pas à la clé du certificat de l'autorité", "its signature does not match the key of the authority's certificate") from None
    except (ValueError, TypeError, KeyError):
        raise _Unreadable("son algorithme de signature n'est pas pris en charge", "its signature algorithm is not supported") from None
    return signer_cert, [cert for _, cert in certificates if cert is not signer_cert]


def _signer_certificate(sid: Any, certificates: list[tuple[Any, x509.Certificate]]) -> tuple[Any, x509.Certificate] | None:
    """The certificate ``sid`` names, among the token's."""
    for asn1_cert, cert in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if asn1_cert.serial_number == wanted["serial_number"].native and asn1_cert.issuer == wanted["issuer"]:
                return asn1_cert, cert
        elif sid.name == "subject_key_identifier" and asn1_cert.key_identifier == sid.chosen.native:
            return asn1_cert, cert
    return None


def _check_signing_certificate(attributes: Mapping[str, Any], signer: Any) -> None:
    """The ESS signing-certificate attribute, when present, must name the signer's certificate."""
    der = signer.dump()
    if "signing_certificate_v2" in attributes:
        ids = attributes["signing_certificate_v2"][0]["certs"]
        first = ids[0] if len(ids) else None
        name = first["hash_algorithm"]["algorithm"].native if first is not None else ""
        if first is None or name not in _HASHES or first["cert_hash"].native != hashlib.new(name, der).digest():
            raise _Unreadable("il désigne un autre certificat que celui qui l'a signé", "it names another certificate than the one that signed it")
    elif "signing_certificate" in attributes:
        ids = attributes["signing_certificate"][0]["certs"]
        if not len(ids) or ids[0]["cert_hash"].native != hashlib.sha1(der).digest():  # noqa: S324 - ESSCertID is SHA-1 by definition
            raise _Unreadable("il désigne un autre certificat que celui qui l'a signé", "it names another certificate than the one that signed it")


def _verify_signature(key: Any, signature: bytes, data: bytes, digest_name: str, algorithm: Any) -> None:
    """Raise InvalidSignature unless ``signature`` is ``key``'s over ``data``."""
    chosen = _HASHES[digest_name]()
    if isinstance(key, rsa.RSAPublicKey):
        if algorithm["algorithm"].native == "rsassa_pss":
            params = algorithm["parameters"]
            pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
            mgf_hash = _HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
            key.verify(signature, data, padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native), pss_hash)
        else:
            key.verify(signature, data, padding.PKCS1v15(), chosen)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(chosen))
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(signature, data)
    else:
        raise TypeError(f"unsupported key type {type(key).__name__}")


def _check_tsa_certificate(cert: x509.Certificate, moment: dt.datetime) -> _Unreadable | None:
    """RFC 3161 §2.3: a time-stamping certificate, valid when the token was issued."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        usage = None
    except ValueError:
        return _Unreadable("les extensions du certificat de l'autorité sont illisibles", "the authority certificate's extensions are unreadable")
    if usage is None or ExtendedKeyUsageOID.TIME_STAMPING not in usage.value:
        return _Unreadable(
            "son certificat n'est pas un certificat d'horodatage (usage « timeStamping » absent)",
            "its certificate is not a time-stamping certificate (no 'timeStamping' key usage)",
        )
    if not usage.critical:
        return _Unreadable(
            "l'usage « timeStamping » de son certificat n'est pas marqué critique, comme le RFC 3161 l'exige",
            "the 'timeStamping' key usage of its certificate is not marked critical, as RFC 3161 requires",
        )
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        return _Unreadable("son certificat n'était pas valide à la date du jeton", "its certificate was not valid at the token's date")
    return None


def _check_chain(signer: x509.Certificate, others: list[x509.Certificate], trust: bytes, moment: dt.datetime) -> _Unreadable | None:
    """The signer's certificate leads, through the token's certificates, to one in ``trust``."""
    try:
        anchors = _load_certificates(trust)
    except ValueError:
        return _Unreadable("le certificat de l'autorité de confiance fourni est illisible", "the trusted authority certificate given is unreadable")
    anchor_ders = {a.tbs_certificate_bytes: a for a in anchors}
    pool = [*others, *anchors]
    current = signer
    for _ in range(MAX_CHAIN):
        if current.tbs_certificate_bytes in anchor_ders:
            return None
        issuer = next((c for c in pool if c is not current and _issued(current, c)), None)
        if issuer is None:
            break
        if issuer.tbs_certificate_bytes not in anchor_ders:
            # An intermediate from the token itself: it must be a CA valid at the time.
            if not _is_ca(issuer) or not issuer.not_valid_before_utc <= moment <= issuer.not_valid_after_utc:
                break
        current = issuer
    else:
        return _Unreadable("sa chaîne de certificats est trop longue", "its certificate chain is too long")
    names = ", ".join(f"« {_common_name(a.subject)} »" for a in anchors)
    names_en = ", ".join(f"'{_common_name(a.subject)}'" for a in anchors)
    return _Unreadable(
        f"son certificat n'a pas été émis par l'autorité de confiance indiquée ({names})",
        f"its certificate was not issued by the trusted authority given ({names_en})",
    )


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``cert`` (names match and the signature checks)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or more) or a single DER certificate; ValueError when none."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if values:
        return str(values[0].value)
    return name.rfc4514_string() or "?"


def _local(moment: dt.datetime, timezone: str) -> tuple[str, str, dt.datetime]:
    """The time in the office's zone, with the zone's words: "heure de Paris" / "Paris time"."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return "UTC", "UTC", moment.astimezone(dt.UTC)
    city = timezone.rsplit("/", 1)[-1].replace("_", " ")
    if city.upper() == "UTC":
        return "UTC", "UTC", moment.astimezone(zone)
    return f"heure de {city}", f"{city} time", moment.astimezone(zone)
