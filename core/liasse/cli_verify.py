"""``liasse verify FILE``: check a received original against its RFC 3161 token, offline (BY-03).

Kept in its own small module so ``liasse --help`` stays cheap: the ASN.1 and
cryptography code loads only when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

#: Where a token is looked for when ``--token`` is not given: beside the file, as openssl names replies.
TOKEN_SUFFIX = ".tsr"


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--token",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"The time-stamp token (DER TimeStampToken or TimeStampResp; default: FILE{TOKEN_SUFFIX}).",
)
@click.option(
    "--ca",
    "ca_pem",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The TSA's CA certificate (PEM) to check the chain against (default: [intake] tsa_ca_file of liasse.toml).",
)
@click.option("--timezone", default=None, help="Time zone of the time in the sentence (default: Europe/Paris).")
@click.pass_context
def verify(ctx: click.Context, file: Path, token: Path | None, ca_pem: Path | None, timezone: str | None) -> None:
    """Say in one sentence what FILE's time-stamp token proves, or why it fails; exit 0 only when it proves."""
    from liasse.intake.proof import DEFAULT_TIMEZONE, verify as verify_file
    from liasse.messages import default_lang

    fr = default_lang() == "fr"
    token_path = token or file.with_name(file.name + TOKEN_SUFFIX)
    try:
        token_bytes = token_path.read_bytes()
    except OSError as exc:
        reason = ("introuvable" if fr else "not found") if isinstance(exc, FileNotFoundError) else exc.strerror or type(exc).__name__
        if token is None:
            click.echo(
                f"Aucun jeton d'horodatage pour « {file.name} » : « {token_path.name} » est introuvable à côté du fichier ; indiquez le jeton avec --token."
                if fr
                else f"No time-stamp token for '{file.name}': '{token_path.name}' is not beside the file; give the token with --token."
            )
        else:
            click.echo(f"Le jeton « {token_path} » ne peut pas être lu ({reason})." if fr else f"The token '{token_path}' cannot be read ({reason}).")
        sys.exit(1)
    ca_path = ca_pem or _configured_ca(ctx)
    trust = None
    if ca_path is not None:
        try:
            trust = ca_path.read_bytes()
        except OSError as exc:
            reason = ("introuvable" if fr else "not found") if isinstance(exc, FileNotFoundError) else exc.strerror or type(exc).__name__
            click.echo(
                f"Le certificat de l'autorité « {ca_path} » ne peut pas être lu ({reason})."
                if fr
                else f"The authority certificate '{ca_path}' cannot be read ({reason})."
            )
            sys.exit(1)
    verdict = verify_file(file, token_bytes, trust, timezone=timezone or DEFAULT_TIMEZONE)
    click.echo(verdict.message())
    sys.exit(0 if verdict.ok else 1)


def _configured_ca(ctx: click.Context) -> Path | None:
    """The office's TSA CA from ``[intake] tsa_ca_file``, when a liasse.toml is in use."""
    config = (ctx.find_root().obj or {}).get("config")
    if config is None:
        return None
    from liasse.settings import load_settings

    # An unreadable liasse.toml raises SettingsError, which the root group prints as one line.
    settings = load_settings(config)
    if not settings.intake.tsa_ca_file:
        return None
    return settings.base_dir / settings.intake.tsa_ca_file
