"""The ``liasse`` command for host developers and operators (FW-06).

Exit codes: 0 on success; 1 with a one-line reason when something must be
fixed (settings, credentials, a provider refusing); 2 for a wrong command
line (click's own). Heavy modules load inside the commands that need them.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from liasse.__about__ import __version__
from liasse.errors import LiasseError


class _Group(click.Group):
    """Turns liasse's errors into one line and exit code 1, never a traceback.

    Beside its own commands it answers to each installed provider's name with
    that provider's exchange commands (``liasse docsecure …``), found from the
    ``liasse.plugins`` entry points without importing any plugin.
    """

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _COMMAND_MODULES:
            module, _, attribute = _COMMAND_MODULES[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
        if command is None and cmd_name in _provider_names():
            command = _provider_group(cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMAND_MODULES, *_provider_names()})

    def invoke(self, ctx: click.Context) -> Any:
        from liasse_hostapi.errors import HostLookupError

        try:
            return super().invoke(ctx)
        except LiasseError as exc:
            _fail(str(exc))
        except HostLookupError as exc:
            # A login or number the host does not know (liasse connect --user X): a sentence, not a traceback.
            from liasse.errors import HostRecordMissing

            _fail(str(HostRecordMissing.of(exc)))


def _provider_names() -> set[str]:
    """Names of the installed ``liasse.plugins`` entry points (metadata only: cheap)."""
    from importlib.metadata import entry_points

    return {entry.name for entry in entry_points(group="liasse.plugins")}


def _provider_group(name: str) -> click.Command:
    """The commands of provider ``name``, chosen by its declared capability (only its own plugin is imported)."""
    from importlib.metadata import entry_points

    from liasse.capabilities import Capability

    (entry,) = (e for e in entry_points(group="liasse.plugins") if e.name == name)
    try:
        capabilities = entry.load().liasse_provider_info().capabilities
    except Exception:  # noqa: BLE001 - a broken plugin keeps the exchange commands; `liasse plugins` says why
        capabilities = frozenset()
    if Capability.SIGNATURE in capabilities:
        from liasse.cli_signing import signing_group

        return signing_group(name)
    if Capability.REGISTERED_MAIL in capabilities:
        from liasse.cli_registered import registered_group

        return registered_group(name)
    if Capability.SHARE in capabilities:
        from liasse.cli_sharing import sharing_group

        return sharing_group(name)
    from liasse.cli_exchange import exchange_group

    return exchange_group(name)


def _fail(reason: str) -> NoReturn:
    click.echo(f"liasse: {reason}", err=True)
    sys.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="liasse")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="LIASSE_CONFIG",
    help="The office's liasse.toml (default: LIASSE_CONFIG, else built-in defaults).",
)
@click.option("--safe-mode", is_flag=True, envvar="LIASSE_SAFE_MODE", help="Load built-in plugins only.")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of messages (default: LIASSE_LANG, else fr).")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, safe_mode: bool, lang: str | None) -> None:
    """liasse: secure exchange, e-signature, registered mail and shared zones for your accounting software."""
    if lang:
        previous = os.environ.get("LIASSE_LANG")
        os.environ["LIASSE_LANG"] = lang

        def restore() -> None:
            # The choice is for this command only: a host embedding the CLI keeps its own language.
            if previous is None:
                os.environ.pop("LIASSE_LANG", None)
            else:
                os.environ["LIASSE_LANG"] = previous

        ctx.call_on_close(restore)
    ctx.obj = {"config": config, "safe_mode": safe_mode}


def _open(ctx: click.Context) -> Any:
    from liasse.app import Liasse

    return Liasse.open(ctx.obj["config"], safe_mode=ctx.obj["safe_mode"] or None)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List plugins: name, version, distribution, capabilities, status and error."""
    from liasse.discovery import PluginStatus

    liasse = _open(ctx)
    rows = []
    for record in liasse.plugins:
        dist, version = record.distribution
        rows.append(
            {
                "name": record.name,
                "title": record.info.title if record.info else record.name,
                "version": version,
                "distribution": dist,
                "builtin": record.builtin,
                "capabilities": [c.value for c in record.capabilities],
                "status": record.status.value,
                "error": record.error,
                "hooks": list(record.hooks),
                "missing_hooks": list(record.missing_hooks),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            caps = ",".join(row["capabilities"]) or "-"
            line = f"{row['name']:<12} {row['version']:<8} {row['distribution']:<20} {caps:<18} {row['status']}"
            if row["error"]:
                line += f"  ({row['error']})"
            click.echo(line)
    if any(r.status is PluginStatus.ERROR for r in liasse.plugins):
        sys.exit(1)


@cli.command()
@click.option("--user", "user_login", required=True, help="The host user whose access is tested.")
@click.argument("providers", nargs=-1)
@click.pass_context
def doctor(ctx: click.Context, user_login: str, providers: tuple[str, ...]) -> None:
    """Test access to each enabled provider ("Tester l'accès au service")."""
    liasse = _open(ctx)
    failed = False
    for name in providers or tuple(sorted(liasse.providers)):
        try:
            report = liasse.check_access(name, user_login)
        except LiasseError as exc:
            failed = True
            click.echo(f"{name:<12} ÉCHEC  {exc}")
        else:
            click.echo(f"{name:<12} OK     {report.account}")
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("provider")
@click.option("--user", "user_login", required=True, help="The host user the credentials belong to.")
@click.option("--login", required=True, help="The provider account's login (usually an e-mail).")
@click.password_option("--password", confirmation_prompt=False, help="Prompted when omitted; never echoed.")
@click.pass_context
def connect(ctx: click.Context, provider: str, user_login: str, login: str, password: str) -> None:
    """Store a user's provider credentials, encrypted, then test them."""
    from liasse.secrets import Secret

    liasse = _open(ctx)
    liasse.connect(provider, user_login, login, Secret(password))
    report = liasse.check_access(provider, user_login)
    click.echo(f"{provider}: identifiants enregistrés, accès vérifié ({report.account}).")


@cli.command()
@click.argument("providers", nargs=-1)
@click.pass_context
def sandbox(ctx: click.Context, providers: tuple[str, ...]) -> None:
    """Start provider sandboxes on 127.0.0.1 and print their URLs; Ctrl-C stops them."""
    from liasse.demo import start_sandboxes

    liasse = _open(ctx)
    names = list(providers) or sorted(liasse.providers)
    running = start_sandboxes(liasse, names)
    try:
        for name, server in running.items():
            click.echo(f"{name:<12} {server.url}")
            user_account = server.sandbox.user_account
            for account in ([user_account] if user_account else []) + server.sandbox.demo_accounts:
                click.echo(f"{'':<12} compte de démo / demo account: {account.login} / {account.secret}  {account.note}")
        click.echo("Ctrl-C pour arrêter / to stop.")
        _wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for server in running.values():
            server.stop()


def _wait_forever() -> None:
    import threading

    threading.Event().wait()


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the demo office is written (default: a new temporary directory).",
)
def demo(workdir: Path | None) -> None:
    """The main job: open the demo office against the sandboxes and run each provider's story."""
    from liasse.demo import run_demo

    ok = run_demo(workdir, echo=click.echo)
    sys.exit(0 if ok else 1)


#: Commands in modules of their own, imported only when named (or listed by --help), so that
#: ``liasse plugins`` does not load them (P5): name -> "module:attribute".
_COMMAND_MODULES: dict[str, str] = {
    "verify": "liasse.cli_verify:verify",  # BY-03: proofs of receipt
    "webhooks": "liasse.cli_webhooks:webhooks",  # R5: webhooks received from providers
    "outbox": "liasse.cli_outbox:outbox",  # issue 5: the outbox relay
    "secrets": "liasse.cli_secrets:secrets",  # S3: key rotation
    "audit": "liasse.cli_audit:audit",  # the audit log
    "serve": "liasse.cli_serve:serve",  # FW-07: the reference host's screens
}


def main() -> None:
    """Entry point of the ``liasse`` script."""
    cli(prog_name="liasse")
