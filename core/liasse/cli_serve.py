"""``liasse serve``: the reference host's screens over the demo office (FW-07).

The screens are a consumer of everything (package ``liasse_screens``); the
core never imports them: this command finds them by name when it runs.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

#: Where the screens' runner lives; looked up by name so the core does not depend on the screens.
SCREENS_RUNNER = "liasse_screens.serve:run"


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: a free one).")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the demo office is written (default: a new temporary directory).",
)
@click.option("--poll-every", type=click.FloatRange(min=0), default=10.0, show_default=True, help="Seconds between background status syncs (0: webhooks only).")
def serve(port: int, workdir: Path | None, poll_every: float) -> None:
    """The office's screens in a browser, with every sandbox beside them; Ctrl-C stops everything."""
    module_name, _, attr = SCREENS_RUNNER.partition(":")
    run = getattr(importlib.import_module(module_name), attr)
    run(port, workdir, click.echo, poll_every=poll_every)
