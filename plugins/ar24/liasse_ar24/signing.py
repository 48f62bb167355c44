"""AR24's request signature and response encryption, shared by the client and the sandbox.

AR24 publishes no page with the recipe; ``research/providers.md`` §1.3
reconstructs it from three independent client implementations that agree:

* every request carries ``date``: the current time in Europe/Paris as
  ``YYYY-MM-DD HH:MM:SS``;
* the ``signature`` header is the base64 of AES-256-CBC (PKCS#7 padding) of
  that date string, with ``key`` = the first 32 characters of
  ``sha256_hex(private_key)`` and ``iv`` = the first 16 characters of
  ``sha256_hex(sha256_hex(private_key))``. The keys are those *hex
  characters* taken as ASCII bytes, as PHP's ``openssl_encrypt`` uses them;
* a successful answer is the base64 of AES-256-CBC of the JSON envelope, with
  ``key`` = the first 32 characters of ``sha256_hex(date + private_key)``
  (the date the request sent) and the same ``iv``.

Both sides live here so the client and the sandbox cannot drift apart.
``cryptography`` is imported on first use, so importing the plugin stays
cheap.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

#: AR24 reads every date in the API's time zone.
PARIS = ZoneInfo("Europe/Paris")
#: ``Y-m-d H:i:s`` in PHP's words.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class UndecryptableResponse(ValueError):
    """An answer that is neither clear JSON nor encrypted with this date and private key.

    The message never quotes the body or the key: it may end up in a log.
    """


def paris_now_string(now: dt.datetime | None = None) -> str:
    """The ``date`` field AR24 expects for a request sent at ``now`` (default: this instant).

    ``now`` must be time-zone aware: a naive time would be read in whatever
    zone the server runs in, and AR24 would refuse it as expired or in the future.
    """
    if now is None:
        now = dt.datetime.now(dt.UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("paris_now_string needs an aware datetime (with tzinfo)")
    return now.astimezone(PARIS).strftime(DATE_FORMAT)


def parse_paris_date(text: str) -> tuple[dt.datetime, ...]:
    """The instants a ``date`` field may mean, or ``()`` when it is not one.

    A wall-clock time in the autumn hour that repeats names two instants;
    both are returned, so a checker can accept either.
    """
    if not _DATE_SHAPE.fullmatch(text):
        return ()
    try:
        # The shape is checked above; fromisoformat reads it as strptime would, in a tenth of the time.
        naive = dt.datetime.fromisoformat(text)
    except ValueError:
        return ()
    first = naive.replace(tzinfo=PARIS, fold=0)
    second = naive.replace(tzinfo=PARIS, fold=1)
    if first.utcoffset() == second.utcoffset():
        return (first,)
    return (first, second)


@functools.lru_cache(maxsize=64)
def request_signature(date_str: str, private_key: str) -> str:
    """The ``signature`` header of a request whose ``date`` field is ``date_str``.

    A pure function of the second and the key: a bulk send's calls in the
    same second share one (kept in a small cache; it prints nothing).
    """
    return _encrypt(date_str.encode("utf-8"), _signature_key(private_key), _iv(private_key))


def verify_signature(signature: str, date_str: str, private_key: str) -> bool:
    """Whether ``signature`` is the one ``private_key`` gives for ``date_str`` (constant time)."""
    import hmac

    expected = request_signature(date_str, private_key)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace"))


def encrypt_response(payload: dict[str, Any], date_str: str, private_key: str) -> str:
    """The body AR24 sends for a successful call signed with ``date_str`` (the sandbox's side).

    The JSON is compact and ASCII-escaped, as PHP's ``json_encode`` writes it.
    """
    plain = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return _encrypt(plain, _response_key(date_str, private_key), _iv(private_key))


def decrypt_response(body: str | bytes, date_str: str, private_key: str) -> dict[str, Any]:
    """The JSON envelope of an encrypted answer to a request sent with ``date_str``.

    Raises :class:`UndecryptableResponse` when the body is not base64, not
    encrypted with this key, or not a JSON object once decrypted.
    """
    text = body.decode("ascii", "replace") if isinstance(body, bytes) else body
    try:
        cipher_text = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise UndecryptableResponse("AR24 response is neither JSON nor base64") from None
    plain = _decrypt(cipher_text, _response_cipher(date_str, private_key))
    try:
        envelope = json.loads(plain)
    except ValueError:
        raise UndecryptableResponse("decrypted AR24 response is not JSON") from None
    if not isinstance(envelope, dict):
        raise UndecryptableResponse("decrypted AR24 response is not a JSON object")
    return envelope


# --- key derivation and AES ----------------------------------------------------


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signature_key(private_key: str) -> bytes:
    return _sha256_hex(private_key)[:32].encode("ascii")


def _response_key(date_str: str, private_key: str) -> bytes:
    return _sha256_hex(date_str + private_key)[:32].encode("ascii")


def _iv(private_key: str) -> bytes:
    return _sha256_hex(_sha256_hex(private_key))[:16].encode("ascii")


def _encrypt(plain: bytes, key: bytes, iv: bytes) -> str:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


@functools.lru_cache(maxsize=64)
def _response_cipher(date_str: str, private_key: str) -> Any:
    """The cipher of the answers to requests dated ``date_str``: built once a second, not once an answer."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(_response_key(date_str, private_key)), modes.CBC(_iv(private_key)))


def _decrypt(cipher_text: bytes, cipher: Any) -> bytes:
    from cryptography.hazmat.primitives import padding

    if not cipher_text or len(cipher_text) % 16:
        raise UndecryptableResponse("AR24 response is not AES-CBC ciphertext")
    decryptor = cipher.decryptor()
    padded = decryptor.update(cipher_text) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise UndecryptableResponse("AR24 response does not decrypt with this date and private key") from None
