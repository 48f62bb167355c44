"""S3: the credentials key: exposed key files refused, key rings, and ``liasse secrets rotate``."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from liasse import audit
from liasse.cli import cli
from liasse.credentials import CredentialVault, KeyRing, VaultKey
from liasse.errors import CredentialsUnreadable, KeyFileExposed, KeyUnavailable, RotationBlocked
from liasse.rotation import rotate, write_key_file
from liasse.secrets import Secret
from liasse.store import Store, StoredCredentials, open_store

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")

PASSWORDS = {"FICH": "mdp-FICH-7f3a", "CLER": "mdp-CLER-19bd", "COMP": "mdp-COMP-c04e"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    yield opened
    opened.close()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "liasse.key"
    path.parent.mkdir()
    VaultKey.create_file(path)
    return path


def _fill(vault: CredentialVault) -> None:
    for user, password in PASSWORDS.items():
        vault.save(user, "docsecure", f"{user.lower()}@fichorga.fr", Secret(password), extra={"office_key": Secret(f"ok-{user}")})


def _assert_all_readable(vault: CredentialVault) -> None:
    for user, password in PASSWORDS.items():
        loaded = vault.load(user, "docsecure")
        assert loaded is not None and loaded.secret.reveal() == password
        assert dict((name, value.reveal()) for name, value in loaded.extra) == {"office_key": f"ok-{user}"}


def _key_ids(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(sa.select(StoredCredentials.key_id)))


# --- key files readable by others are refused ------------------------------------


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o610])
def test_s3_key_file_readable_by_others_is_refused_with_chmod_600(key_file: Path, mode: int) -> None:
    key_text = key_file.read_text().strip()
    key_file.chmod(mode)
    with pytest.raises(KeyFileExposed) as caught:
        KeyRing.from_file(key_file)
    assert isinstance(caught.value, KeyUnavailable)
    assert f"chmod 600 {key_file}" in caught.value.message("fr")
    assert f"chmod 600 {key_file}" in caught.value.message("en")
    assert key_text not in caught.value.message("fr") + caught.value.message("en")
    key_file.chmod(0o600)
    assert KeyRing.from_file(key_file).current.to_text() == key_text


@posix_only
def test_s3_exposed_key_file_named_by_liasse_key_file_is_refused(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.setenv("LIASSE_KEY_FILE", str(key_file))
    key_file.chmod(0o644)
    with pytest.raises(KeyFileExposed):
        VaultKey.from_environment()


@posix_only
def test_s3_created_key_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    VaultKey.create_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_key_file(path, KeyRing(current=VaultKey.generate(), previous=(VaultKey.generate(),)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- key rings ----------------------------------------------------------------------


def test_s3_ring_reads_rows_of_its_previous_keys_and_writes_under_the_current(store: Store) -> None:
    old, new = VaultKey.generate(), VaultKey.generate()
    _fill(CredentialVault(store, old))
    ring = KeyRing.from_text(f"{new.to_text()},{old.to_text()}", origin="LIASSE_SECRET_KEY")
    assert ring.key_ids == (new.key_id, old.key_id)
    vault = CredentialVault(store, ring)
    _assert_all_readable(vault)
    vault.save("FICH", "docsecure", "fich@fichorga.fr", Secret(PASSWORDS["FICH"]), extra={"office_key": Secret("ok-FICH")})
    assert _key_ids(store) == {old.key_id, new.key_id}
    with pytest.raises(CredentialsUnreadable):
        CredentialVault(store, old).load("FICH", "docsecure")
    _assert_all_readable(vault)


def test_s3_ring_spellings_blanks_commas_and_lines(tmp_path: Path) -> None:
    a, b, c = VaultKey.generate(), VaultKey.generate(), VaultKey.generate()
    for text in (f"{a.to_text()} {b.to_text()},{c.to_text()}", f"{a.to_text()}\n{b.to_text()}\n\n{c.to_text()}\n"):
        assert KeyRing.from_text(text, origin="t").key_ids == (a.key_id, b.key_id, c.key_id)
    assert repr(KeyRing.from_text(a.to_text(), origin="t")) == f"KeyRing(key_ids=({a.key_id!r},), origin='t')"
    assert a.to_text() not in repr(KeyRing(current=a, previous=(b,)))


def test_s3_tampering_is_detected_under_every_key_of_the_ring(store: Store) -> None:
    old, new = VaultKey.generate(), VaultKey.generate()
    CredentialVault(store, old).save("FICH", "docsecure", "fich@fichorga.fr", Secret("x-old"))
    CredentialVault(store, old).save("CLER", "docsecure", "cler@fichorga.fr", Secret("x-cler"))
    vault = CredentialVault(store, KeyRing(current=new, previous=(old,)))
    with store.session() as session:
        fich = session.scalars(sa.select(StoredCredentials).where(StoredCredentials.user_login == "FICH")).one()
        cler = session.scalars(sa.select(StoredCredentials).where(StoredCredentials.user_login == "CLER")).one()
        # Flipped byte on FICH's row, CLER's row copied onto a swapped provider.
        fich.ciphertext = bytes([fich.ciphertext[0] ^ 0x80]) + fich.ciphertext[1:]
        session.add(
            StoredCredentials(user_login="CLER", provider="esign", nonce=cler.nonce, ciphertext=cler.ciphertext, key_id=cler.key_id)
        )
    for user, provider in (("FICH", "docsecure"), ("CLER", "esign")):
        with pytest.raises(CredentialsUnreadable):
            vault.load(user, provider)
    loaded = vault.load("CLER", "docsecure")
    assert loaded is not None and loaded.secret.reveal() == "x-cler"


# --- rotation with a key file ----------------------------------------------------------


@posix_only
def test_s3_rotate_moves_every_row_to_a_new_key_written_to_the_key_file(store: Store, key_file: Path) -> None:
    ring = KeyRing.from_file(key_file)
    _fill(CredentialVault(store, ring))
    result = rotate(store, ring)
    assert result.completed and result.moved == 3 and result.new_key is None
    assert result.old_key_ids == (ring.current.key_id,) and result.new_key_id != ring.current.key_id
    after = KeyRing.from_file(key_file)
    assert after.key_ids == (result.new_key_id,)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _key_ids(store) == {result.new_key_id}
    _assert_all_readable(CredentialVault(store, after))
    with pytest.raises(CredentialsUnreadable):
        CredentialVault(store, ring.current).load("FICH", "docsecure")


@posix_only
def test_s3_a_running_process_keeps_reading_after_another_one_rotated(store: Store, key_file: Path) -> None:
    running = CredentialVault(store, KeyRing.from_file(key_file))
    _fill(running)
    rotate(store, KeyRing.from_file(key_file))
    # Its ring names the old key only: on the unknown id it reads the key file again.
    _assert_all_readable(running)
    assert running.key_id == KeyRing.from_file(key_file).current.key_id


@posix_only
def test_s3_rotation_stopped_after_the_key_file_is_staged_is_finished_by_running_it_again(
    store: Store, key_file: Path
) -> None:
    old_ring = KeyRing.from_file(key_file)
    _fill(CredentialVault(store, old_ring))
    new = VaultKey.generate()
    # What rotate() writes first, then (here) a crash before the transaction.
    write_key_file(key_file, KeyRing(current=new, previous=(old_ring.current,)))
    staged = KeyRing.from_file(key_file)
    _assert_all_readable(CredentialVault(store, staged))  # nothing unreadable in between
    result = rotate(store, staged)
    assert result.completed and result.moved == 3
    assert result.new_key_id == new.key_id  # finished, not a third key
    assert KeyRing.from_file(key_file).key_ids == (new.key_id,)
    assert _key_ids(store) == {new.key_id}


@posix_only
def test_s3_rotation_is_one_transaction_an_unreadable_row_changes_nothing(store: Store, key_file: Path) -> None:
    ring = KeyRing.from_file(key_file)
    _fill(CredentialVault(store, ring))
    stranger = VaultKey.generate()
    CredentialVault(store, stranger).save("PAUL", "docsecure", "paul@fichorga.fr", Secret("perdu"))
    before_file = key_file.read_bytes()
    with store.session() as session:
        before_rows = sorted(session.execute(sa.select(StoredCredentials.id, StoredCredentials.nonce, StoredCredentials.key_id)).all())
    with pytest.raises(RotationBlocked) as caught:
        rotate(store, ring)
    message = caught.value.message("fr")
    assert "PAUL (docsecure)" in message and "rien n'a été modifié" in message
    assert "nothing was changed" in caught.value.message("en")
    with store.session() as session:
        after_rows = sorted(session.execute(sa.select(StoredCredentials.id, StoredCredentials.nonce, StoredCredentials.key_id)).all())
    assert after_rows == before_rows
    assert key_file.read_bytes() == before_file
    _assert_all_readable(CredentialVault(store, KeyRing.from_file(key_file)))


def _rotate_concurrently(store: Store, key_file: Path, times: int) -> None:
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(times)

    def one() -> None:
        try:
            start.wait()
            rotate(store, KeyRing.from_file(key_file))  # each read the file before the others rotated
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


@posix_only
def test_s3_concurrent_rotations_never_strand_a_credential(store: Store, key_file: Path) -> None:
    _fill(CredentialVault(store, KeyRing.from_file(key_file)))
    _rotate_concurrently(store, key_file, 3)
    after = KeyRing.from_file(key_file)
    assert len(after.keys) == 1 and _key_ids(store) == {after.current.key_id}
    _assert_all_readable(CredentialVault(store, after))


# --- rotation with LIASSE_SECRET_KEY ---------------------------------------------------------


def test_s3_rotate_with_the_environment_prints_a_new_key_and_changes_nothing_then_completes(store: Store) -> None:
    old = VaultKey.generate()
    ring = KeyRing.from_text(old.to_text(), origin="LIASSE_SECRET_KEY")
    _fill(CredentialVault(store, ring))
    staged = rotate(store, ring)
    assert not staged.completed and staged.moved == 0 and staged.new_key is not None
    assert _key_ids(store) == {old.key_id}
    new_text = staged.new_key.reveal()
    assert VaultKey.from_text(new_text, origin="t").key_id == staged.new_key_id
    # The operator sets LIASSE_SECRET_KEY="NEW,OLD" and runs rotate again.
    both = KeyRing.from_text(f"{new_text},{old.to_text()}", origin="LIASSE_SECRET_KEY")
    done = rotate(store, both)
    assert done.completed and done.moved == 3 and done.new_key is None
    assert _key_ids(store) == {staged.new_key_id}
    _assert_all_readable(CredentialVault(store, VaultKey.from_text(new_text, origin="t")))


# --- the command ------------------------------------------------------------------------------


def _office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("LIASSE_SECRET_KEY", "LIASSE_KEY_FILE", "LIASSE_DATABASE_URL", "LIASSE_LANG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "secrets").mkdir()
    config = tmp_path / "liasse.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///{}"\n\n[security]\nkey_file = "secrets/liasse.key"\n'.format((tmp_path / "liasse.sqlite3").as_posix()),
        encoding="utf-8",
    )
    return config


@posix_only
def test_s3_liasse_secrets_rotate_and_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _office(tmp_path, monkeypatch)
    key_file = tmp_path / "secrets" / "liasse.key"
    store = open_store(f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    try:
        ring = KeyRing.from_environment(key_file)
        _fill(CredentialVault(store, ring))
        old_text = ring.current.to_text()

        status = CliRunner().invoke(cli, ["--config", str(config), "secrets", "status", "--json"], env={"LIASSE_LANG": None})
        assert status.exit_code == 0, status.output
        assert json.loads(status.output)["rows_by_key"] == {ring.current.key_id: 3}

        result = CliRunner().invoke(cli, ["--config", str(config), "secrets", "rotate"], env={"LIASSE_LANG": None})
        assert result.exit_code == 0, result.output
        new_ring = KeyRing.from_file(key_file)
        assert "Rotation terminée : 3 identifiant(s)" in result.output and new_ring.current.key_id in result.output
        for secret in (old_text, new_ring.current.to_text(), *PASSWORDS.values()):
            assert secret not in result.output
        _assert_all_readable(CredentialVault(store, new_ring))

        shown = CliRunner().invoke(cli, ["--config", str(config), "--lang", "en", "secrets", "status"])
        assert f"Current key: {new_ring.current.key_id}" in shown.output and f"{new_ring.current.key_id}: 3 credential(s)" in shown.output

        rotations = [e for e in audit.entries(store) if e.action is audit.Action.SECRETS_ROTATE]
        assert [(e.user, e.outcome, e.target) for e in rotations] == [("operator", audit.Outcome.OK, str(key_file))]
    finally:
        store.close()


def test_s3_liasse_secrets_rotate_with_the_environment_prints_only_the_new_key_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _office(tmp_path, monkeypatch)
    old = VaultKey.generate()
    result = CliRunner().invoke(
        cli, ["--config", str(config), "secrets", "rotate"], env={"LIASSE_LANG": None, "LIASSE_SECRET_KEY": old.to_text()}
    )
    assert result.exit_code == 0, result.output
    assert old.to_text() not in result.output
    printed = result.stdout.strip()
    assert VaultKey.from_text(printed, origin="stdout").key_id != old.key_id
    assert "LIASSE_SECRET_KEY" in result.stderr and "n'est affichée qu'une fois" in result.stderr


def test_s3_no_plain_text_fallback_without_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference_host: object) -> None:
    from liasse.app import Liasse

    config = _office(tmp_path, monkeypatch)
    monkeypatch.setenv("LIASSE_KEY_FILE", str(tmp_path / "absent.key"))
    liasse = Liasse.open(config, host=reference_host)  # type: ignore[arg-type]
    try:
        with pytest.raises(KeyUnavailable) as caught:
            liasse.connect("docsecure", "FICH", "fich@fichorga.fr", Secret("mdp-sans-cle"))
        assert "absent.key" in str(caught.value) and "mdp-sans-cle" not in str(caught.value)
        with liasse.store.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(StoredCredentials)) == 0
        [entry] = [e for e in audit.entries(liasse.store) if e.action is audit.Action.CONNECT]
        assert (entry.outcome, entry.error) == (audit.Outcome.FAILED, "KeyUnavailable")
    finally:
        liasse.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("liasse.sqlite3*"))
    assert b"mdp-sans-cle" not in raw
    assert not os.path.exists(tmp_path / "absent.key")


# --- on PostgreSQL (several host servers share one store) ----------------------------------------


@posix_only
def test_s3_rotation_and_the_audit_log_on_postgresql(postgres_url: str, key_file: Path) -> None:
    store = open_store(postgres_url)
    try:
        ring = KeyRing.from_file(key_file)
        _fill(CredentialVault(store, ring))
        with audit.action(store, audit.Action.SECRETS_ROTATE, user="operator", target=str(key_file)) as scope:
            result = rotate(store, ring)
            assert scope.row_id is not None  # the entry went in with the re-encrypted rows
        assert result.completed and result.moved == 3
        _assert_all_readable(CredentialVault(store, KeyRing.from_file(key_file)))
        assert _key_ids(store) == {result.new_key_id}
        [entry, *_] = audit.entries(store)
        assert (entry.action, entry.outcome, entry.target) == (audit.Action.SECRETS_ROTATE, audit.Outcome.OK, str(key_file))
        assert entry.at.tzinfo is not None
        _rotate_concurrently(store, key_file, 3)
        after = KeyRing.from_file(key_file)
        assert len(after.keys) == 1 and _key_ids(store) == {after.current.key_id}
        _assert_all_readable(CredentialVault(store, after))
        result = rotate(store, after)
        # A blocked rotation rolls back on PostgreSQL too.
        CredentialVault(store, VaultKey.generate()).save("PAUL", "docsecure", "paul@fichorga.fr", Secret("perdu"))
        with pytest.raises(RotationBlocked):
            rotate(store, KeyRing.from_file(key_file))
        assert _key_ids(store) - {result.new_key_id} != set()
        _assert_all_readable(CredentialVault(store, KeyRing.from_file(key_file)))
    finally:
        store.close()
