"""Per-user provider credentials encrypted at rest (DS-01 "Connexion", "Réinitialiser les identifiants")."""

from __future__ import annotations

import base64
import logging
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from liasse import credentials as credentials_module
from liasse.credentials import CredentialVault, VaultKey, default_key_file
from liasse.errors import CredentialsUnreadable, KeyMalformed, KeyUnavailable
from liasse.records import Credentials
from liasse.secrets import Secret
from liasse.store import Store, StoredCredentials, open_store

PASSWORD = "Tr0ub4dor&3-mot-de-passe"
API_KEY = "sk_live_0123456789abcdef"
LOGIN = "marie.dupont@etude-martin.fr"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    yield opened
    opened.close()


@pytest.fixture
def key() -> VaultKey:
    return VaultKey.generate()


@pytest.fixture
def vault(store: Store, key: VaultKey) -> CredentialVault:
    return CredentialVault(store, key)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No key in the environment, and the default key file under tmp_path."""
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_KEY_FILE", raising=False)
    config_dir = tmp_path / "config" / "liasse"
    monkeypatch.setattr(credentials_module.platformdirs, "user_config_dir", lambda *a, **k: str(config_dir))
    return config_dir / "secret.key"


def _row(store: Store, user: str, provider: str) -> StoredCredentials:
    with store.session() as session:
        row = session.scalars(
            sa.select(StoredCredentials).where(StoredCredentials.user_login == user, StoredCredentials.provider == provider)
        ).one()
        session.expunge(row)
    return row


# --- round trip ---------------------------------------------------------------


def test_ds01_credentials_round_trip(vault: CredentialVault) -> None:
    assert not vault.has("marie", "docsecure")
    assert vault.load("marie", "docsecure") is None
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD), extra={"api_key": Secret(API_KEY)})
    assert vault.has("marie", "docsecure")
    loaded = vault.load("marie", "docsecure")
    assert isinstance(loaded, Credentials)
    assert loaded.login == LOGIN
    assert loaded.secret.reveal() == PASSWORD
    assert [(name, value.reveal()) for name, value in loaded.extra] == [("api_key", API_KEY)]


def test_ds01_saving_again_replaces_with_a_new_nonce(vault: CredentialVault, store: Store) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    first = _row(store, "marie", "docsecure")
    vault.save("marie", "docsecure", LOGIN, Secret("nouveau-mot-de-passe"))
    second = _row(store, "marie", "docsecure")
    assert second.id == first.id
    assert second.nonce != first.nonce and len(second.nonce) == 12
    loaded = vault.load("marie", "docsecure")
    assert loaded is not None and loaded.secret.reveal() == "nouveau-mot-de-passe"


def test_ds01_one_row_per_user_and_provider(vault: CredentialVault) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    vault.save("marie", "esign", "marie", Secret(API_KEY))
    vault.save("paul", "docsecure", "paul@etude.fr", Secret("autre"))
    marie = vault.load("marie", "docsecure")
    paul = vault.load("paul", "docsecure")
    assert marie is not None and paul is not None
    assert marie.secret.reveal() == PASSWORD and paul.secret.reveal() == "autre"
    assert not vault.has("paul", "esign")


def test_ds01_reset_credentials_deletes_them(vault: CredentialVault) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    vault.save("marie", "esign", "marie", Secret(API_KEY))
    assert vault.delete("marie", "docsecure") is True
    assert not vault.has("marie", "docsecure")
    assert vault.load("marie", "docsecure") is None
    assert vault.has("marie", "esign")
    assert vault.delete("marie", "docsecure") is False


# --- at rest ------------------------------------------------------------------


def test_ds01_database_holds_no_clear_secret(vault: CredentialVault, store: Store, tmp_path: Path) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD), extra={"api_key": Secret(API_KEY)})
    row = _row(store, "marie", "docsecure")
    for clear in (PASSWORD, API_KEY, LOGIN):
        assert clear.encode() not in row.ciphertext
    assert row.key_id == vault.key_id
    store.close()  # flush the WAL into the file
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("liasse.sqlite3*"))
    assert b"marie" in raw  # the file is readable: the test would see a clear secret
    for clear in (PASSWORD, API_KEY, LOGIN):
        assert clear.encode() not in raw


def test_ds01_ciphertext_swapped_between_users_does_not_decrypt(vault: CredentialVault, store: Store) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    vault.save("paul", "docsecure", "paul@etude.fr", Secret("autre"))
    marie = _row(store, "marie", "docsecure")
    with store.session() as session:
        session.execute(
            sa.update(StoredCredentials)
            .where(StoredCredentials.user_login == "paul")
            .values(nonce=marie.nonce, ciphertext=marie.ciphertext, key_id=marie.key_id)
        )
    with pytest.raises(CredentialsUnreadable) as caught:
        vault.load("paul", "docsecure")
    assert "paul" in str(caught.value)
    assert vault.load("marie", "docsecure") is not None


def test_ds01_ciphertext_swapped_between_providers_does_not_decrypt(vault: CredentialVault, store: Store) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    vault.save("marie", "esign", "marie", Secret(API_KEY))
    docsecure = _row(store, "marie", "docsecure")
    with store.session() as session:
        session.execute(
            sa.update(StoredCredentials)
            .where(StoredCredentials.provider == "esign")
            .values(nonce=docsecure.nonce, ciphertext=docsecure.ciphertext)
        )
    with pytest.raises(CredentialsUnreadable):
        vault.load("marie", "esign")


def test_ds01_altered_ciphertext_does_not_decrypt(vault: CredentialVault, store: Store) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    row = _row(store, "marie", "docsecure")
    tampered = bytes([row.ciphertext[0] ^ 1]) + row.ciphertext[1:]
    with store.session() as session:
        session.execute(sa.update(StoredCredentials).values(ciphertext=tampered))
    with pytest.raises(CredentialsUnreadable):
        vault.load("marie", "docsecure")


def test_ds01_wrong_key_is_unreadable_never_clear(store: Store, key: VaultKey) -> None:
    CredentialVault(store, key).save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    other = CredentialVault(store, VaultKey.generate())
    with pytest.raises(CredentialsUnreadable) as caught:
        other.load("marie", "docsecure", title="DocSecure")
    message = caught.value.message("fr")
    assert "DocSecure" in message and "marie" in message and "Réinitialiser les identifiants" in message
    assert "Reset credentials" in caught.value.message("en")
    _assert_no_chained_detail(caught.value)


def _assert_no_chained_detail(error: BaseException) -> None:
    # A traceback shows the sentence only: no InvalidTag, no row, no payload.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_ds01_wrong_key_with_a_forged_key_id_still_fails_on_the_tag(store: Store, key: VaultKey) -> None:
    CredentialVault(store, key).save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    other_key = VaultKey.generate()
    with store.session() as session:
        session.execute(sa.update(StoredCredentials).values(key_id=other_key.key_id))
    with pytest.raises(CredentialsUnreadable) as caught:
        CredentialVault(store, other_key).load("marie", "docsecure")
    assert caught.value.__context__ is not None  # the tag check, not the key id, refused it
    _assert_no_chained_detail(caught.value)


def test_ds01_secrets_must_be_secret_values(vault: CredentialVault) -> None:
    with pytest.raises(TypeError):
        vault.save("marie", "docsecure", LOGIN, PASSWORD)  # type: ignore[arg-type]


# --- nothing secret shows -----------------------------------------------------


def test_fw_reprs_show_no_secret(vault: CredentialVault, key: VaultKey, store: Store) -> None:
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD), extra={"api_key": Secret(API_KEY)})
    loaded = vault.load("marie", "docsecure")
    row = _row(store, "marie", "docsecure")
    shown = " ".join([repr(vault), str(vault), repr(key), str(key), repr(loaded), str(loaded), repr(row)])
    for secret in (PASSWORD, API_KEY, key.to_text()):
        assert secret not in shown
    assert key.key_id in repr(key)
    assert repr(key) == f"VaultKey(key_id={key.key_id!r})"


def test_fw_logs_show_no_secret(
    store: Store, key: VaultKey, caplog: pytest.LogCaptureFixture, clean_environment: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    created = VaultKey.from_environment()
    vault = CredentialVault(store, key)
    vault.save("marie", "docsecure", LOGIN, Secret(PASSWORD))
    vault.load("marie", "docsecure")
    with pytest.raises(CredentialsUnreadable):
        CredentialVault(store, created).load("marie", "docsecure")
    for secret in (PASSWORD, key.to_text(), created.to_text()):
        assert secret not in caplog.text


def test_fw_key_id_is_the_start_of_the_key_sha256() -> None:
    import hashlib

    raw = bytes(range(32))
    assert VaultKey(key=raw).key_id == hashlib.sha256(raw).hexdigest()[:8]


# --- where the key comes from -------------------------------------------------


def test_fw_key_from_liasse_secret_key_first(monkeypatch: pytest.MonkeyPatch, clean_environment: Path, tmp_path: Path) -> None:
    raw = os.urandom(32)
    monkeypatch.setenv("LIASSE_SECRET_KEY", base64.urlsafe_b64encode(raw).decode())
    other_file = tmp_path / "other.key"
    other_file.write_text(VaultKey.generate().to_text())
    other_file.chmod(0o600)
    monkeypatch.setenv("LIASSE_KEY_FILE", str(other_file))
    assert VaultKey.from_environment(other_file).key_id == VaultKey(key=raw).key_id
    assert not clean_environment.exists()


def test_fw_key_from_liasse_key_file_then_the_given_file(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path, tmp_path: Path
) -> None:
    env_file, given_file = tmp_path / "env.key", tmp_path / "given.key"
    env_key, given_key = VaultKey.generate(), VaultKey.generate()
    env_file.write_text(env_key.to_text() + "\n")
    given_file.write_text(given_key.to_text())
    env_file.chmod(0o600)
    given_file.chmod(0o600)
    assert VaultKey.from_environment(given_file).key_id == given_key.key_id
    monkeypatch.setenv("LIASSE_KEY_FILE", str(env_file))
    assert VaultKey.from_environment(given_file).key_id == env_key.key_id
    assert not clean_environment.exists()


def test_fw_a_missing_liasse_key_file_is_an_error_not_a_new_key(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.key"
    monkeypatch.setenv("LIASSE_KEY_FILE", str(missing))
    with pytest.raises(KeyUnavailable) as caught:
        VaultKey.from_environment(tmp_path / "given.key")
    assert str(missing) in str(caught.value)
    assert not missing.exists() and not (tmp_path / "given.key").exists() and not clean_environment.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_fw_settings_key_file_is_created_0600_in_its_existing_directory(clean_environment: Path, tmp_path: Path) -> None:
    given = tmp_path / "secrets" / "liasse.key"
    given.parent.mkdir()
    first = VaultKey.from_environment(given)
    assert stat.S_IMODE(given.stat().st_mode) == 0o600
    assert VaultKey.from_environment(given).key_id == first.key_id
    assert not clean_environment.exists()


def test_fw_settings_key_file_in_a_missing_directory_is_an_error(clean_environment: Path, tmp_path: Path) -> None:
    given = tmp_path / "unmounted" / "liasse.key"
    with pytest.raises(KeyUnavailable) as caught:
        VaultKey.from_environment(given)
    assert str(given) in str(caught.value)
    assert not given.parent.exists() and not clean_environment.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_fw_default_key_file_is_created_0600_once(clean_environment: Path) -> None:
    assert default_key_file() == clean_environment
    first = VaultKey.from_environment()
    assert clean_environment.is_file()
    assert stat.S_IMODE(clean_environment.stat().st_mode) == 0o600
    second = VaultKey.from_environment()
    assert second.key_id == first.key_id
    assert VaultKey.from_text(clean_environment.read_text(), origin="test").key_id == first.key_id


def test_fw_create_file_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    VaultKey.create_file(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        VaultKey.create_file(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    ["", "pas-du-base64-!!!", base64.urlsafe_b64encode(b"x" * 16).decode(), base64.urlsafe_b64encode(b"x" * 33).decode()],
    ids=["empty", "not-base64", "too-short", "too-long"],
)
def test_fw_malformed_key_is_refused(text: str) -> None:
    with pytest.raises(KeyUnavailable) as caught:
        VaultKey.from_text(text, origin="LIASSE_SECRET_KEY")
    assert isinstance(caught.value, KeyMalformed)
    assert "LIASSE_SECRET_KEY" in caught.value.message("fr")
    assert "32" in caught.value.message("en")
    if text:
        assert text not in str(caught.value)


def test_fw_malformed_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    monkeypatch.setenv("LIASSE_SECRET_KEY", base64.urlsafe_b64encode(b"k" * 31).decode())
    with pytest.raises(KeyUnavailable):
        VaultKey.from_environment()
    assert not clean_environment.exists()


def test_fw_malformed_key_file_is_refused(clean_environment: Path) -> None:
    clean_environment.parent.mkdir(parents=True)
    clean_environment.write_text("n'importe quoi")
    clean_environment.chmod(0o600)
    with pytest.raises(KeyMalformed) as caught:
        VaultKey.from_environment()
    assert str(clean_environment) in str(caught.value)


def test_fw_raw_key_must_be_32_bytes() -> None:
    with pytest.raises(KeyUnavailable):
        VaultKey(key=b"short")
