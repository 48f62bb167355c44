"""Per-user provider credentials, encrypted at rest (DS-01 "Connexion", "Réinitialiser les identifiants").

Each user's login and password (or API key) for a provider is stored as one
AES-256-GCM ciphertext under the office's key. The associated data binds the
ciphertext to its user and provider, so a row copied onto another user's
fails to decrypt instead of lending them someone else's access. A wrong or
changed key is an error that tells the user to reset their credentials:
there is never a plain-text fallback.

The key comes from ``LIASSE_SECRET_KEY``, else a key file
(``LIASSE_KEY_FILE``, or the one the settings name), else a key file liasse
creates once, readable by its owner only, in the user's configuration
directory (see :meth:`VaultKey.from_environment` for the exact rules). Neither the key nor any credential appears in a repr, a log line
or an error message.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import logging
import os
import secrets
import stat
import time
from pathlib import Path

import attrs
import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select

from liasse.errors import CredentialsUnreadable, KeyMalformed, KeyUnavailable
from liasse.records import Credentials
from liasse.secrets import Secret
from liasse.store.database import Store
from liasse.store.models import StoredCredentials, utcnow

log = logging.getLogger(__name__)

#: Environment variable holding the key itself (URL-safe base64 of 32 bytes).
KEY_VARIABLE = "LIASSE_SECRET_KEY"
#: Environment variable naming a key file.
KEY_FILE_VARIABLE = "LIASSE_KEY_FILE"
KEY_SIZE = 32
NONCE_SIZE = 12
#: Version of the encrypted JSON payload, for a later change of its shape.
PAYLOAD_VERSION = 1


def default_key_file() -> Path:
    """Where liasse keeps the key it creates itself: ``secret.key`` in the user's configuration directory."""
    return Path(platformdirs.user_config_dir("liasse", appauthor=False)) / "secret.key"


def _decode_key(text: str, origin: str) -> bytes:
    stripped = text.strip()
    try:
        key = base64.urlsafe_b64decode(stripped.encode("ascii") + b"=" * (-len(stripped) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise KeyMalformed(
            origin=origin,
            detail=origin,
            problem_fr="ce n'est pas du base64",
            problem_en="it is not base64",
        ) from None
    if len(key) != KEY_SIZE:
        raise KeyMalformed(
            origin=origin,
            detail=origin,
            problem_fr=f"elle fait {len(key)} octets au lieu de {KEY_SIZE}",
            problem_en=f"it is {len(key)} bytes long instead of {KEY_SIZE}",
        )
    return key


def _check_key(_instance: object, _attribute: object, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != KEY_SIZE:
        raise KeyMalformed(
            origin="VaultKey",
            detail="VaultKey",
            problem_fr=f"{KEY_SIZE} octets attendus",
            problem_en=f"{KEY_SIZE} bytes expected",
        )


@attrs.frozen(repr=False, eq=False)
class VaultKey:
    """The AES-256 key that encrypts every user's credentials.

    ``key_id`` (the first 8 hex digits of the key's SHA-256) is stored with
    each row, so a key change is recognised without trying to decrypt. The
    repr shows the id only.
    """

    _key: bytes = attrs.field(alias="key", validator=_check_key)
    key_id: str = attrs.field(init=False)

    @key_id.default
    def _derive_key_id(self) -> str:
        return hashlib.sha256(self._key).hexdigest()[:8]

    @classmethod
    def generate(cls) -> VaultKey:
        """A fresh random key."""
        return cls(key=secrets.token_bytes(KEY_SIZE))

    @classmethod
    def from_text(cls, text: str, origin: str) -> VaultKey:
        """The key spelt as URL-safe base64 in ``text``; ``origin`` names where it came from, for errors."""
        return cls(key=_decode_key(text, origin))

    def to_text(self) -> str:
        """The key as URL-safe base64, for writing a key file or ``LIASSE_SECRET_KEY``."""
        return base64.urlsafe_b64encode(self._key).decode("ascii")

    @classmethod
    def from_file(cls, path: Path) -> VaultKey:
        """The key stored in ``path``; :class:`~liasse.errors.KeyUnavailable` when it cannot be read."""
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise KeyUnavailable(detail=str(path)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise KeyUnavailable(detail=f"{path} ({type(error).__name__})") from None
        _warn_if_readable_by_others(path)
        return cls.from_text(text, origin=str(path))

    @classmethod
    def create_file(cls, path: Path, *, parents: bool = True) -> VaultKey:
        """Write a fresh key to ``path``, readable by its owner only (0600); never overwrites.

        Raises :class:`FileExistsError` when ``path`` exists. ``parents``
        creates missing directories (mode 0700).
        """
        if parents:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = cls.generate()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            os.write(descriptor, (key.to_text() + "\n").encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        log.info("created the credentials key file %s", path)
        return key

    @classmethod
    def from_environment(cls, key_file: Path | None = None) -> VaultKey:
        """The office's key, looked up in a fixed order.

        1. ``LIASSE_SECRET_KEY``: the key itself;
        2. ``LIASSE_KEY_FILE``: a file that must exist (a deployed secret is
           never replaced by a fresh key);
        3. ``key_file`` (from the office's settings): read, or created with a
           fresh key, mode 0600, when its directory exists but the file does
           not (a missing directory is an error: perhaps an unmounted volume);
        4. the default key file (:func:`default_key_file`), created with its
           directory the first time.
        """
        text = os.environ.get(KEY_VARIABLE, "")
        if text.strip():
            return cls.from_text(text, origin=KEY_VARIABLE)
        named = os.environ.get(KEY_FILE_VARIABLE, "").strip()
        if named:
            return cls.from_file(Path(named).expanduser())
        if key_file is not None:
            if not key_file.parent.is_dir():
                raise KeyUnavailable(detail=str(key_file))
            return cls._read_or_create(key_file, parents=False)
        return cls._read_or_create(default_key_file(), parents=True)

    @classmethod
    def _read_or_create(cls, path: Path, *, parents: bool) -> VaultKey:
        if path.exists():
            return cls.from_file(path)
        try:
            return cls.create_file(path, parents=parents)
        except FileExistsError:
            pass
        except OSError as error:
            code = errno.errorcode.get(error.errno or 0, type(error).__name__)
            raise KeyUnavailable(detail=f"{path} ({code})") from None
        # Another process has just created it and may still be writing: give it a moment.
        for _ in range(20):
            if path.stat().st_size > 0:
                break
            time.sleep(0.05)
        return cls.from_file(path)

    def aead(self) -> AESGCM:
        """The cipher, for :class:`CredentialVault` only."""
        return AESGCM(self._key)

    def __repr__(self) -> str:
        return f"VaultKey(key_id={self.key_id!r})"


def _warn_if_readable_by_others(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the credentials key file %s can be read by other users: chmod 600 it", path)


def _associated_data(user_login: str, provider: str) -> bytes:
    # Provider names are identifiers (no "|"), so this is unambiguous.
    return f"{user_login}|{provider}".encode()


class CredentialVault:
    """Saves, reads and forgets users' provider credentials in the store, encrypted.

    One row per (user, provider). Saving again replaces the row with a new
    nonce. Loading decrypts under the current key or fails loudly.
    """

    def __init__(self, store: Store, key: VaultKey) -> None:
        self._store = store
        self._key = key

    @property
    def key_id(self) -> str:
        """The id of the key new rows are encrypted with."""
        return self._key.key_id

    def save(
        self,
        user_login: str,
        provider: str,
        login: str,
        secret: Secret,
        extra: dict[str, Secret] | None = None,
    ) -> None:
        """Store (or replace) ``user_login``'s credentials for ``provider`` ("Connexion")."""
        if not isinstance(secret, Secret) or not all(isinstance(value, Secret) for value in (extra or {}).values()):
            raise TypeError("credentials secrets must be liasse.secrets.Secret values")
        payload = json.dumps(
            {
                "v": PAYLOAD_VERSION,
                "login": login,
                "secret": secret.reveal(),
                "extra": {name: value.reveal() for name, value in sorted((extra or {}).items())},
            },
            ensure_ascii=False,
        ).encode("utf-8")
        nonce = secrets.token_bytes(NONCE_SIZE)
        ciphertext = self._key.aead().encrypt(nonce, payload, _associated_data(user_login, provider))
        now = utcnow()
        with self._store.session() as session:
            row = session.scalars(
                select(StoredCredentials).where(
                    StoredCredentials.user_login == user_login,
                    StoredCredentials.provider == provider,
                )
            ).one_or_none()
            if row is None:
                row = StoredCredentials(user_login=user_login, provider=provider, created_at=now)
                session.add(row)
            row.nonce = nonce
            row.ciphertext = ciphertext
            row.key_id = self._key.key_id
            row.updated_at = now

    def load(self, user_login: str, provider: str, *, title: str | None = None) -> Credentials | None:
        """``user_login``'s credentials for ``provider``, or None when none are stored.

        Raises :class:`~liasse.errors.CredentialsUnreadable` when the row was
        encrypted under another key, for another user or provider, or was
        altered. ``title`` is the provider's name for that sentence.
        """
        with self._store.session() as session:
            row = session.scalars(
                select(StoredCredentials).where(
                    StoredCredentials.user_login == user_login,
                    StoredCredentials.provider == provider,
                )
            ).one_or_none()
            if row is None:
                return None
            nonce, ciphertext, key_id = row.nonce, row.ciphertext, row.key_id
        if key_id != self._key.key_id:
            raise CredentialsUnreadable(title=title or provider, user=user_login)
        try:
            payload = self._key.aead().decrypt(nonce, ciphertext, _associated_data(user_login, provider))
        except (InvalidTag, ValueError):
            # No chaining: the reader needs the sentence, and nothing of the row.
            raise CredentialsUnreadable(title=title or provider, user=user_login) from None
        try:
            data = json.loads(payload.decode("utf-8"))
            extra = tuple((str(name), Secret(str(value))) for name, value in sorted(data.get("extra", {}).items()))
            return Credentials(login=str(data["login"]), secret=Secret(str(data["secret"])), extra=extra)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CredentialsUnreadable(title=title or provider, user=user_login) from None

    def has(self, user_login: str, provider: str) -> bool:
        """Whether credentials are stored (without decrypting them): DS-01 asks at first use otherwise."""
        with self._store.session() as session:
            found = session.scalar(
                select(StoredCredentials.id).where(
                    StoredCredentials.user_login == user_login,
                    StoredCredentials.provider == provider,
                )
            )
        return found is not None

    def delete(self, user_login: str, provider: str) -> bool:
        """Forget the credentials ("Réinitialiser les identifiants"); True when some were stored."""
        with self._store.session() as session:
            result = session.execute(
                delete(StoredCredentials).where(
                    StoredCredentials.user_login == user_login,
                    StoredCredentials.provider == provider,
                )
            )
        return bool(getattr(result, "rowcount", 0))

    def __repr__(self) -> str:
        return f"CredentialVault(key_id={self._key.key_id!r}, store={self._store!r})"
