"""``liasse demo``: the demo office against every provider's sandbox.

It writes a real office directory (``liasse.toml`` with secret references,
secret files, the reference host's database, liasse's store), starts each
sandbox on a free loopback port, and runs what the providers can do so far.
Each provider issue extends :func:`run_demo` with its story.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from liasse.app import Liasse, open_host
from liasse.discovery import PluginStatus
from liasse.errors import LiasseError
from liasse.sandbox import RunningSandbox, load_sandbox, serve
from liasse.secrets import Secret

DEMO_HOST_FACTORY = "liasse_hostapi.reference:ReferenceHost.create_demo"
DEMO_USER = "FICH"

Echo = Callable[[str], None]


def start_sandboxes(liasse: Liasse, names: Iterable[str]) -> dict[str, RunningSandbox]:
    """Start the sandbox of each named provider on a free loopback port."""
    running: dict[str, RunningSandbox] = {}
    try:
        for name in names:
            running[name] = serve(load_sandbox(liasse.provider(name).sandbox))
    except BaseException:
        for server in running.values():
            server.stop()
        raise
    return running


def write_office(workdir: Path, running: dict[str, RunningSandbox]) -> Path:
    """Write the demo office's ``liasse.toml`` and secret files; return the settings path."""
    secrets = workdir / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    lines = [
        "# The demo office, written by `liasse demo`.",
        "[host]",
        'factory = "liasse_hostapi.reference:ReferenceHost.open"',
        'path = "host.sqlite3"',
        "",
        "[store]",
        f'url = "sqlite:///{(workdir / "liasse.sqlite3").as_posix()}"',
        "",
        "[security]",
        'key_file = "secrets/liasse.key"',
        "",
    ]
    if running:
        # BY-03: the sandboxes' time-stamping authority proves each received file.
        from liasse.sandbox.tsa import TimeStampAuthority

        first = running[sorted(running)[0]]
        (secrets / "tsa-ca.pem").write_bytes(TimeStampAuthority.shared().ca_certificate_pem)
        lines += ["[intake]", f'tsa_url = "{first.url}/tsa"', 'tsa_ca_file = "secrets/tsa-ca.pem"', ""]
    for name, server in sorted(running.items()):
        lines += [f"[providers.{name}]", f'base_url = "{server.url}{server.sandbox.api_root}"']
        for key, value in sorted(server.sandbox.demo_secrets.items()):
            secret_file = secrets / f"{name}_{key}"
            secret_file.write_text(value, encoding="utf-8")
            secret_file.chmod(0o600)
            lines.append(f'{key} = "$file:secrets/{secret_file.name}"')
        lines.append("")
    path = workdir / "liasse.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def open_demo_office(workdir: Path, running: dict[str, RunningSandbox]) -> Liasse:
    """The demo office on ``running`` sandboxes, its demo user connected to each per-user provider."""
    config = write_office(workdir, running)
    liasse = Liasse.open(config, host=open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3"))
    for name, server in running.items():
        account = server.sandbox.user_account
        if liasse.provider(name).credential_fields and account is not None:
            liasse.connect(name, DEMO_USER, account.login, Secret(account.secret))
    return liasse


def run_demo(workdir: Path | None, echo: Echo) -> bool:
    """Run the demo; True when every plugin loaded and every provider answered."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="liasse-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    echo(f"Étude de démonstration dans {workdir}")
    discovery = Liasse.open(None)
    running = start_sandboxes(discovery, sorted(discovery.providers))
    ok = all(r.status is PluginStatus.OK for r in discovery.plugins)
    try:
        liasse = open_demo_office(workdir, running)
        try:
            ok = _story(liasse, running, echo) and ok
            ok = _provider_stories(liasse, running, workdir, echo) and ok
        finally:
            liasse.close()
    finally:
        for server in running.values():
            server.stop()
    echo("Démo terminée." if ok else "Démo terminée avec des erreurs (voir ci-dessus).")
    return ok


def _story(liasse: Liasse, running: dict[str, RunningSandbox], echo: Echo) -> bool:
    ok = True
    echo("")
    echo("Modules (liasse plugins) :")
    for record in liasse.plugins:
        title = record.info.title if record.info else record.name
        status = "chargé" if record.status is PluginStatus.OK else f"{record.status.value} ({record.error})"
        ok = ok and record.status is PluginStatus.OK
        echo(f"  {record.name:<10} {title:<10} {status}")
    office = liasse.host.office.office()
    users = liasse.host.office.users()
    echo("")
    echo(f"Étude ouverte : {office.name} ({office.code}), {len(users)} utilisateurs, fuseau {office.timezone}")
    user = liasse.host.office.user(DEMO_USER)
    echo(f"Utilisateur : {user.full_name} ({user.login})")
    echo("")
    echo("Tester l'accès au service :")
    for name in liasse.providers_for(DEMO_USER):
        info = liasse.provider(name)
        try:
            report = liasse.check_access(name, DEMO_USER)
        except LiasseError as exc:
            ok = False
            echo(f"  {info.title:<10} ÉCHEC : {exc}")
        else:
            echo(f"  {info.title:<10} OK : {report.account} ({running[name].url})")
    return ok


def _provider_stories(liasse: Liasse, running: dict[str, RunningSandbox], workdir: Path, echo: Echo) -> bool:
    """Each provider's own story (``ProviderInfo.demo``), in name order."""
    import importlib

    ok = True
    for name in sorted(running):
        target = liasse.provider(name).demo
        if target is None:
            continue
        module_name, _, attr = target.partition(":")
        story = getattr(importlib.import_module(module_name), attr)
        ok = bool(story(liasse, running[name].url, DEMO_USER, workdir, echo)) and ok
    return ok
