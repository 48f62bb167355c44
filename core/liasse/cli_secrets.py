"""``liasse secrets …``: the key that encrypts users' credentials (S3).

``liasse secrets status`` tells which key encrypts how many stored
credentials (key ids only); ``liasse secrets rotate`` moves every credential
to a new key, as :mod:`liasse.rotation` describes. Nothing secret is ever
printed, except the new key in the environment case, once, because liasse
cannot write ``LIASSE_SECRET_KEY`` itself.
"""

from __future__ import annotations

import json
from typing import Any

import click

from liasse.messages import default_lang


def _t(fr: str, en: str) -> str:
    return en if default_lang() == "en" else fr


def _open(ctx: click.Context) -> Any:
    from liasse.app import Liasse

    root = ctx.find_root().obj or {}
    return Liasse.open(root.get("config"), safe_mode=root.get("safe_mode") or None)


@click.group()
def secrets() -> None:
    """The key that encrypts users' provider credentials: status and rotation."""


@secrets.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Which key encrypts how many stored credentials (key ids only, never a key)."""
    liasse = _open(ctx)
    census = liasse.vault.census()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "origin": liasse.vault.ring.origin,
                    "current_key_id": census.current_key_id,
                    "previous_key_ids": list(census.previous_key_ids),
                    "rows_by_key": dict(census.rows_by_key),
                    "unknown_rows": census.unknown_rows,
                },
                indent=2,
            )
        )
        return
    click.echo(_t(f"Clé actuelle : {census.current_key_id} ({liasse.vault.ring.origin})", f"Current key: {census.current_key_id} ({liasse.vault.ring.origin})"))
    if census.previous_key_ids:
        click.echo(
            _t(
                f"Anciennes clés encore lues : {', '.join(census.previous_key_ids)} (rotation à terminer : liasse secrets rotate)",
                f"Old keys still read: {', '.join(census.previous_key_ids)} (rotation to finish: liasse secrets rotate)",
            )
        )
    for key_id, count in census.rows_by_key:
        click.echo(_t(f"  {key_id} : {count} identifiant(s)", f"  {key_id}: {count} credential(s)"))
    if census.unknown_rows:
        click.echo(
            _t(
                f"{census.unknown_rows} identifiant(s) sous une clé inconnue : illisibles, à réinitialiser.",
                f"{census.unknown_rows} credential(s) under an unknown key: unreadable, to be reset.",
            )
        )


@secrets.command()
@click.pass_context
def rotate(ctx: click.Context) -> None:
    """Re-encrypt every stored credential under a new key, in one transaction.

    With a key file, the new key is written there (0600) and the old one
    kept beside it until every row has moved. With LIASSE_SECRET_KEY, the
    new key is printed once; set LIASSE_SECRET_KEY="NEW,OLD" and run this
    command again to move the rows.
    """
    from liasse import audit
    from liasse.rotation import rotate as rotate_keys

    liasse = _open(ctx)
    ring = liasse.vault.ring
    with audit.action(liasse.store, audit.Action.SECRETS_ROTATE, user="operator", target=ring.origin):
        result = rotate_keys(liasse.store, ring)
    if result.new_key is not None:
        # The only secret liasse ever prints: alone on stdout, so it can be piped to a secret store.
        click.echo(
            _t(
                f"Nouvelle clé {result.new_key_id} créée ; aucun identifiant n'a encore changé. "
                f"Définissez LIASSE_SECRET_KEY=\"<nouvelle clé>,<clé actuelle>\" partout où liasse tourne, "
                "puis relancez « liasse secrets rotate ». La clé n'est affichée qu'une fois :",
                f"New key {result.new_key_id} made; no credential has changed yet. "
                f"Set LIASSE_SECRET_KEY=\"<new key>,<current key>\" wherever liasse runs, "
                "then run 'liasse secrets rotate' again. The key is shown only once:",
            ),
            err=True,
        )
        click.echo(result.new_key.reveal())
        return
    old = ", ".join(result.old_key_ids) or "-"
    click.echo(
        _t(
            f"Rotation terminée : {result.moved} identifiant(s) chiffré(s) sous la clé {result.new_key_id} (ancienne : {old}).",
            f"Rotation complete: {result.moved} credential(s) encrypted under key {result.new_key_id} (old: {old}).",
        )
    )
    if ring.path is None:
        click.echo(
            _t(
                "Retirez maintenant l'ancienne clé de LIASSE_SECRET_KEY : seule la nouvelle y reste.",
                "Now remove the old key from LIASSE_SECRET_KEY: only the new one stays.",
            )
        )
    else:
        click.echo(_t(f"La clé est dans {ring.path} (0600).", f"The key is in {ring.path} (0600)."))
