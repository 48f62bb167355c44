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
directory (see :meth:`KeyRing.from_environment` for the exact rules). A key
file that other users of the machine can read is refused with the
``chmod 600`` that fixes it. Neither the key nor any credential appears in a
repr, a log line or an error message.

Keys are versioned: each row records the id of the key that encrypted it,
and the key source may hold several keys, the first encrypting and the
others only decrypting (a :class:`KeyRing`). That is how ``liasse secrets
rotate`` (:mod:`liasse.rotation`) moves every row to a new key without a
moment where some row is unreadable.
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
import re
from pathlib import Path

import attrs
import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from liasse.errors import CredentialsUnreadable, KeyFileExposed, KeyMalformed, KeyUnavailable, RotationBlocked
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
        """The current key stored in ``path`` (its first one); :class:`~liasse.errors.KeyUnavailable` when it cannot be read."""
        return KeyRing.from_file(path).current

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
        """The office's current key, looked up as :meth:`KeyRing.from_environment` says."""
        return KeyRing.from_environment(key_file).current

    def aead(self) -> AESGCM:
        """The cipher, for :class:`CredentialVault` only."""
        return AESGCM(self._key)

    def __repr__(self) -> str:
        return f"VaultKey(key_id={self.key_id!r})"


def _refuse_if_exposed(path: Path) -> None:
    # Like ssh with a private key: a key others can read is no longer a secret, so it is not used.
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileExposed(path=str(path), mode=f"{mode:o}")


#: What separates the keys of a ring in ``LIASSE_SECRET_KEY`` or a key file.
_KEY_SEPARATORS = re.compile(r"[\s,]+")


@attrs.frozen(repr=False, eq=False)
class KeyRing:
    """The keys credentials may be encrypted under: the current one first, then older ones.

    The current key encrypts every new or replaced row; the previous keys
    only decrypt rows not yet moved by a rotation. ``origin`` names where the
    keys came from (``LIASSE_SECRET_KEY`` or a path) for messages; ``path``
    is the key file, None when the keys came from the environment.
    """

    current: VaultKey
    previous: tuple[VaultKey, ...] = ()
    origin: str = "VaultKey"
    path: Path | None = None

    @classmethod
    def of(cls, key: VaultKey | KeyRing) -> KeyRing:
        """``key`` as a ring (a lone key is a ring of one)."""
        return key if isinstance(key, KeyRing) else cls(current=key)

    @classmethod
    def from_text(cls, text: str, origin: str, path: Path | None = None) -> KeyRing:
        """The keys spelt in ``text``, separated by blanks, commas or new lines, the current one first."""
        words = [word for word in _KEY_SEPARATORS.split(text.strip()) if word]
        keys = [VaultKey.from_text(word, origin=origin) for word in words] or [VaultKey.from_text("", origin=origin)]
        return cls(current=keys[0], previous=tuple(keys[1:]), origin=origin, path=path)

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        """The keys stored in ``path``; refused when the file is missing, unreadable or readable by others."""
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise KeyUnavailable(detail=str(path)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise KeyUnavailable(detail=f"{path} ({type(error).__name__})") from None
        _refuse_if_exposed(path)
        return cls.from_text(text, origin=str(path), path=path)

    @classmethod
    def from_environment(cls, key_file: Path | None = None) -> KeyRing:
        """The office's keys, looked up in a fixed order.

        1. ``LIASSE_SECRET_KEY``: the keys themselves;
        2. ``LIASSE_KEY_FILE``: a file that must exist (a deployed secret is
           never replaced by a fresh key);
        3. ``key_file`` (from the office's settings): read, or created with a
           fresh key, mode 0600, when its directory exists but the file does
           not (a missing directory is an error: perhaps an unmounted volume);
        4. the default key file (:func:`default_key_file`), created with its
           directory the first time.

        A key file must be readable by its owner only.
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
    def _read_or_create(cls, path: Path, *, parents: bool) -> KeyRing:
        if path.exists():
            return cls.from_file(path)
        try:
            VaultKey.create_file(path, parents=parents)
        except FileExistsError:
            # Another process has just created it and may still be writing: give it a moment.
            for _ in range(20):
                if path.stat().st_size > 0:
                    break
                time.sleep(0.05)
        except OSError as error:
            code = errno.errorcode.get(error.errno or 0, type(error).__name__)
            raise KeyUnavailable(detail=f"{path} ({code})") from None
        return cls.from_file(path)

    @property
    def keys(self) -> tuple[VaultKey, ...]:
        """Every key, the current one first."""
        return (self.current, *self.previous)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key's id, the current one first."""
        return tuple(key.key_id for key in self.keys)

    def find(self, key_id: str) -> VaultKey | None:
        """The key whose id is ``key_id``, or None."""
        return next((key for key in self.keys if key.key_id == key_id), None)

    def reloaded(self) -> KeyRing:
        """The ring read again from its key file (another process may have rotated it); itself when from the environment."""
        if self.path is None:
            return self
        try:
            return KeyRing.from_file(self.path)
        except KeyUnavailable:
            return self

    def to_text(self) -> str:
        """The keys one per line, the current one first: the content of a key file."""
        return "".join(key.to_text() + "\n" for key in self.keys)

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={self.key_ids!r}, origin={self.origin!r})"


def _associated_data(user_login: str, provider: str) -> bytes:
    # Provider names are identifiers (no "|"), so this is unambiguous.
    return f"{user_login}|{provider}".encode()


@attrs.frozen
class KeyCensus:
    """How many stored credentials each key encrypts (``liasse secrets status``); no secret in it."""

    current_key_id: str
    previous_key_ids: tuple[str, ...]
    #: (key id, number of rows), most used first.
    rows_by_key: tuple[tuple[str, int], ...]

    @property
    def unknown_rows(self) -> int:
        """Rows under a key the ring does not hold: unreadable until reset."""
        known = {self.current_key_id, *self.previous_key_ids}
        return sum(count for key_id, count in self.rows_by_key if key_id not in known)


class CredentialVault:
    """Saves, reads and forgets users' provider credentials in the store, encrypted.

    One row per (user, provider). Saving again replaces the row with a new
    nonce under the current key. Loading decrypts with whichever key of the
    ring the row names, or fails loudly.
    """

    def __init__(self, store: Store, key: VaultKey | KeyRing) -> None:
        self._store = store
        self._ring = KeyRing.of(key)

    @property
    def key_id(self) -> str:
        """The id of the key new rows are encrypted with."""
        return self._ring.current.key_id

    @property
    def ring(self) -> KeyRing:
        """The keys this vault reads with, the current one first."""
        return self._ring

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
        key = self._ring.current
        nonce, ciphertext = _encrypt(key, payload, user_login, provider)
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
            row.key_id = key.key_id
            row.updated_at = now

    def load(self, user_login: str, provider: str, *, title: str | None = None) -> Credentials | None:
        """``user_login``'s credentials for ``provider``, or None when none are stored.

        Raises :class:`~liasse.errors.CredentialsUnreadable` when the row was
        encrypted under a key the ring does not hold, for another user or
        provider, or was altered. ``title`` is the provider's name for that sentence.
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
        key = self._ring.find(key_id)
        if key is None:
            # A rotation by another process may have changed the key file since this one read it.
            self._ring = self._ring.reloaded()
            key = self._ring.find(key_id)
        if key is None:
            raise CredentialsUnreadable(title=title or provider, user=user_login)
        try:
            payload = key.aead().decrypt(nonce, ciphertext, _associated_data(user_login, provider))
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

    def census(self) -> KeyCensus:
        """How many rows each key encrypts, without decrypting anything."""
        with self._store.session() as session:
            counts = session.execute(
                select(StoredCredentials.key_id, func.count()).group_by(StoredCredentials.key_id)
            ).all()
        rows = tuple(sorted(((str(key_id), int(count)) for key_id, count in counts), key=lambda item: (-item[1], item[0])))
        return KeyCensus(
            current_key_id=self.key_id,
            previous_key_ids=tuple(key.key_id for key in self._ring.previous),
            rows_by_key=rows,
        )

    def reencrypt(self, target: VaultKey, session: Session | None = None) -> int:
        """Re-encrypt every stored credential under ``target``, in one transaction; the number of rows moved.

        Every row is decrypted with the key it names (any key of the ring)
        and encrypted again under ``target`` with a fresh nonce, its user and
        provider still bound as associated data. When any row decrypts with
        no key, :class:`~liasse.errors.RotationBlocked` names those rows and
        the transaction is rolled back: no row is left behind under a key
        that is about to be dropped. ``session`` is the caller's transaction
        (a rotation holds its lock in it); a new one otherwise.
        """
        if session is None:
            with self._store.session() as own:
                return self.reencrypt(target, own)
        moved = 0
        # FOR UPDATE on PostgreSQL: a "Connexion" saved meanwhile waits, rather than being overwritten.
        rows = session.scalars(select(StoredCredentials).order_by(StoredCredentials.id).with_for_update()).all()
        unreadable: list[str] = []
        for row in rows:
            if row.key_id == target.key_id and _decrypt(target, row.nonce, row.ciphertext, row.user_login, row.provider):
                continue
            key = self._ring.find(row.key_id)
            payload = _decrypt(key, row.nonce, row.ciphertext, row.user_login, row.provider) if key else None
            if payload is None:
                unreadable.append(f"{row.user_login} ({row.provider})")
                continue
            row.nonce, row.ciphertext = _encrypt(target, payload, row.user_login, row.provider)
            row.key_id = target.key_id
            row.updated_at = utcnow()
            moved += 1
        if unreadable:
            raise RotationBlocked(
                rows=", ".join(unreadable), key_ids=", ".join(self._ring.key_ids), origin=self._ring.origin
            )
        return moved

    def __repr__(self) -> str:
        return f"CredentialVault(key_ids={self._ring.key_ids!r}, store={self._store!r})"


def _encrypt(key: VaultKey, payload: bytes, user_login: str, provider: str) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce, key.aead().encrypt(nonce, payload, _associated_data(user_login, provider))


def _decrypt(key: VaultKey, nonce: bytes, ciphertext: bytes, user_login: str, provider: str) -> bytes | None:
    """The payload, or None when the tag does not verify (wrong key, user, provider, or an altered row)."""
    try:
        return key.aead().decrypt(nonce, ciphertext, _associated_data(user_login, provider))
    except (InvalidTag, ValueError):
        return None
