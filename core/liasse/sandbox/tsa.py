"""An RFC 3161 time-stamping authority for the sandboxes (BY-03).

Real enough to prove things with: a CA certificate, a TSA certificate it
issued (extendedKeyUsage ``timeStamping``, critical, as RFC 3161 §2.3
requires), and answers that are genuine CMS ``SignedData`` time-stamp tokens
any RFC 3161 client, ``openssl ts -verify`` included, can check. The keys are
made in memory when the authority is built and never written anywhere: a
sandbox's proofs only hold against the CA certificate served beside it.

:func:`mount_tsa` puts the authority on a :class:`~liasse.sandbox.Sandbox`::

    POST /tsa          Content-Type: application/timestamp-query  ->  application/timestamp-reply
    GET  /tsa/ca.pem   the CA certificate, for ``liasse verify --ca``
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from liasse.sandbox.kit import Sandbox

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
#: The sandbox's TSA policy: a UUID-based OID (X.667, arc 2.25), so no registration is needed.
SANDBOX_POLICY = "2.25.333994120425582783588563453347679897073"
#: A TimeStampReq is a few hundred bytes; anything much larger is not one.
MAX_QUERY_BYTES = 64 * 1024
#: Hash algorithms the authority stamps, with the imprint length each must have.
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class TimeStampAuthority:
    """A CA, a TSA certificate it issued, and :meth:`respond` to time-stamp requests.

    EC P-256 keys: key generation takes milliseconds, so tests and the demo
    start fast, and the tokens are as valid as RSA ones.
    """

    _shared: ClassVar[TimeStampAuthority | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str = "liasse sandbox TSA", ca_name: str = "liasse sandbox CA") -> None:
        self.name = name
        now = dt.datetime.now(dt.UTC)
        # Back-dated a day so a host whose clock is a little behind still sees valid certificates.
        not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=3650)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "liasse sandbox")])
        self.ca_certificate = (
            x509.CertificateBuilder()
            .subject_name(ca_subject)
            .issuer_name(ca_subject)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._ca_key.public_key()), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "liasse sandbox")]))
            .issuer_name(ca_subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            # RFC 3161 §2.3: one key purpose, timeStamping, in a critical extension.
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        self._certificate_der = self.certificate.public_bytes(serialization.Encoding.DER)
        self._asn1_certificate = asn1_x509.Certificate.load(self._certificate_der)

    @classmethod
    def shared(cls) -> TimeStampAuthority:
        """The process's sandbox authority, built on first use, so every sandbox serves the same CA."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def ca_certificate_pem(self) -> bytes:
        """The CA certificate in PEM: the trust anchor ``liasse verify --ca`` takes."""
        return self.ca_certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate_pem(self) -> bytes:
        """The TSA's own certificate in PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def respond(self, request_der: bytes, now: dt.datetime | None = None) -> bytes:
        """The DER ``TimeStampResp`` to a DER ``TimeStampReq``: granted with a token, or a rejection.

        Garbage gets a rejection with ``badDataFormat`` rather than an
        exception: a client always gets an answer it can read.
        """
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
            version = request["version"].native
        except (ValueError, TypeError, KeyError, OverflowError):
            return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
        if version != "v1":
            return _rejection("bad_request", "only TimeStampReq version 1 is supported")
        if algorithm not in _DIGEST_SIZES:
            return _rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
        if not isinstance(digest, bytes) or len(digest) != _DIGEST_SIZES[algorithm]:
            return _rejection("bad_data_format", f"the {algorithm} imprint has the wrong length")
        if request["req_policy"].native not in (None, SANDBOX_POLICY):
            return _rejection("unaccepted_policy", "this authority only stamps under its own policy")
        if request["extensions"].native:
            return _rejection("unaccepted_extensions", "this authority accepts no request extension")
        token = self._token(algorithm, digest, nonce, cert_req, now or dt.datetime.now(dt.UTC))
        return bytes(tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump())

    def _token(self, algorithm: str, digest: bytes, nonce: int | None, cert_req: bool, now: dt.datetime) -> cms.ContentInfo:
        """A ``TimeStampToken``: CMS SignedData over a TSTInfo, signed with the TSA key."""
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": SANDBOX_POLICY,
                "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
                # Unique per token (RFC 3161 §2.4.2); 64 random bits never collide in a sandbox's life.
                "serial_number": secrets.randbits(64),
                # GeneralizedTime at whole seconds: the accuracy below says how far to trust it.
                "gen_time": now.astimezone(dt.UTC).replace(microsecond=0),
                "accuracy": {"seconds": 1},
                "nonce": nonce,
                "tsa": asn1_x509.GeneralName({"directory_name": self._asn1_certificate.subject}),
            }
        )
        content = tst_info.dump()
        signed_attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_time", "values": [cms.Time({"utc_time": core.UTCTime(now.astimezone(dt.UTC).replace(microsecond=0))})]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                # RFC 5816/5035: binds the signature to this very certificate, so a
                # second certificate for the same key cannot be swapped in.
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"hash_algorithm": {"algorithm": "sha256"}, "cert_hash": hashlib.sha256(self._certificate_der).digest()}]}],
                },
            ]
        )
        # The signature covers the attributes DER-encoded as a SET (RFC 5652 §5.4), not as the [0] field.
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": self._asn1_certificate.issuer,
                            "serial_number": self._asn1_certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(content)},
                "certificates": [self._asn1_certificate] if cert_req else None,
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


class _TimeStampResp(core.Sequence):  # type: ignore[misc]  # asn1crypto ships no type hints
    """RFC 3161's TimeStampResp, whose token is OPTIONAL: asn1crypto 1.5 wrongly requires it."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _rejection(fail_info: str, text: str) -> bytes:
    """A ``TimeStampResp`` that refuses, with the reason in words and as a failInfo bit."""
    return bytes(
        _TimeStampResp({"status": {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info})}}).dump()
    )


def mount_tsa(sandbox: Sandbox, path: str = "/tsa", authority: TimeStampAuthority | None = None) -> TimeStampAuthority:
    """Serve a time-stamping authority on ``sandbox`` at ``path``; returns the authority.

    ``authority`` defaults to the process's shared one, so every sandbox of a
    demo answers with the same CA and one ``ca.pem`` checks them all.
    """
    from flask import Response, request

    tsa = authority or TimeStampAuthority.shared()
    path = "/" + path.strip("/")
    endpoint = path.strip("/").replace("/", "_") or "tsa"
    # Every sandbox carries one at /tsa already: mounting again swaps the authority behind the route.
    authorities: dict[str, TimeStampAuthority] = sandbox.app.config.setdefault("liasse_tsa", {})
    already = path in authorities
    authorities[path] = tsa
    if already:
        return tsa

    def stamp() -> Any:
        if request.mimetype != QUERY_TYPE:
            return Response(f"POST a DER TimeStampReq with Content-Type: {QUERY_TYPE}\n", status=415, mimetype="text/plain")
        if (request.content_length or 0) > MAX_QUERY_BYTES:
            return Response("time-stamp query too large\n", status=413, mimetype="text/plain")
        body = request.get_data(cache=False)
        if len(body) > MAX_QUERY_BYTES:
            return Response("time-stamp query too large\n", status=413, mimetype="text/plain")
        return Response(authorities[path].respond(body), status=200, mimetype=REPLY_TYPE)

    def ca_pem() -> Any:
        return Response(authorities[path].ca_certificate_pem, status=200, mimetype="application/x-pem-file")

    sandbox.app.add_url_rule(path, endpoint=f"{endpoint}_stamp", view_func=stamp, methods=["POST"])
    sandbox.app.add_url_rule(f"{path}/ca.pem", endpoint=f"{endpoint}_ca", view_func=ca_pem, methods=["GET"])
    return tsa
