"""``liasse new-plugin NAME --capability …``: scaffold a standalone provider plugin distribution (FW-05)."""

from __future__ import annotations

from pathlib import Path

import click

from liasse.capabilities import Capability


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--capability",
    required=True,
    type=click.Choice([c.value for c in Capability]),
    help="What the provider does: its hooks, sandbox and conformance suite follow.",
)
@click.option(
    "--directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write the distribution (default: ./liasse-NAME, which must not exist).",
)
def new_plugin(name: str, capability: str, directory: Path | None) -> None:
    """Write a plugin distribution: pyproject.toml, settings, client, hooks, sandbox, README, tests.

    It installs and passes its own tests as generated (liasse's conformance
    suite for the capability); then replace the assumed API with the
    provider's (docs/writing-a-plugin.md).
    """
    from liasse.scaffold import PluginNames, check_name, render_plugin

    names = PluginNames(check_name(name), Capability(capability))
    dest = directory or Path.cwd() / names.distribution
    written = render_plugin(name, names.capability, dest)
    click.echo(f"Module {names.distribution} écrit dans {dest} ({len(written)} fichiers) / plugin written to {dest}.")
    click.echo(f"  cd {dest} && pip install -e '.[test]' && pytest")
