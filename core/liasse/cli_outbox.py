"""``liasse outbox``: what waits to be sent, and why; send one again; drain once (issue 5).

* ``liasse outbox`` (or ``list``): the rows still to send, being sent, refused
  or given up, each with its attempts, its next attempt and its last error;
* ``liasse outbox retry ID``: send that row again now, under its first key,
  as the user who created it ("Réessayer");
* ``liasse outbox run``: one relay pass: every due row is claimed, reconciled
  if an earlier attempt may have reached the provider, sent, and recorded.
  A host server runs it from its scheduler (cron, a systemd timer, a job).

Exit codes: 0; 1 with a one-line reason (the row does not exist, is being
sent elsewhere, the provider refused it again); ``run`` exits 1 when a row
failed or was given up during the pass, so a scheduler can alert.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from liasse.messages import default_lang

_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "pending": ("à envoyer", "to send"),
    "in_flight": ("en cours d'envoi", "being sent"),
    "failed": ("refusé", "refused"),
    "dead": ("abandonné", "given up"),
    "done": ("envoyé", "sent"),
    "reconciled": ("déjà reçu par le prestataire", "already at the provider"),
}


def _word(status: str) -> str:
    fr, en = _STATUS_WORDS.get(status, (status, status))
    return fr if default_lang() == "fr" else en


def _open(ctx: click.Context) -> Any:
    from liasse.app import Liasse

    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    return Liasse.open(obj.get("config"), safe_mode=obj.get("safe_mode") or None)


@click.group(invoke_without_command=True)
@click.pass_context
def outbox(ctx: click.Context) -> None:
    """The outbox: requests and sends waiting for their provider (list, retry ID, run)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_rows)


@outbox.command("list")
@click.option("--all", "show_all", is_flag=True, help="Sent rows too.")
@click.pass_context
def list_rows(ctx: click.Context, show_all: bool) -> None:
    """Rows to send, being sent, refused or given up, with their reasons."""
    liasse = _open(ctx)
    try:
        statuses = ("pending", "in_flight", "failed", "dead") + (("done",) if show_all else ())
        rows = liasse.outbox.rows(statuses)
        fr = default_lang() == "fr"
        if not rows:
            click.echo("Rien en attente : tout est parti." if fr else "Nothing waiting: everything went out.")
            return
        for row in rows:
            when = row.next_attempt_at.strftime("%d/%m/%Y %H:%M UTC")
            what = f"« {row.label} »" if row.label else row.operation
            if row.status == "pending":
                state = f"{_word(row.status)}, {'prochain essai' if fr else 'next attempt'} {when}"
            elif row.status == "in_flight":
                holder = (row.claimed_by or "?").rsplit(":", 1)[0]
                state = f"{_word(row.status)} ({holder})"
            else:
                state = _word(row.status)
            tries = f"{row.attempts} {'essai(s)' if fr else 'attempt(s)'}"
            click.echo(f"{row.id:>6}  {row.provider:<10} {what} : {state}, {tries}")
            if row.last_error:
                click.echo(f"{'':>8}{row.last_error}")
    finally:
        liasse.close()


@outbox.command()
@click.argument("row_id", type=int)
@click.pass_context
def retry(ctx: click.Context, row_id: int) -> None:
    """Send row ROW_ID again now, under its first key (a refused or given-up row too)."""
    liasse = _open(ctx)
    try:
        target = liasse.outbox.target_of(row_id)
        exchange = liasse.desk(target.provider, target.user_login, account_owner=target.account_owner).retry(target.exchange_id)
        fr = default_lang() == "fr"
        state = exchange.state.label("fr" if fr else "en")
        click.echo(f"« {exchange.label} » : {state}." if fr else f"'{exchange.label}': {state}.")
    finally:
        liasse.close()


@outbox.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """One relay pass: send every due row once, reconcile uncertain ones, record each outcome."""
    liasse = _open(ctx)
    try:
        report = liasse.outbox.run_once()
        fr = default_lang() == "fr"
        counts = {status: report.count(status) for status in ("done", "reconciled", "pending", "failed", "dead")}
        words = ", ".join(f"{n} {_word(status)}" for status, n in counts.items() if n)
        click.echo(
            (f"{report.claimed} envoi(s) traité(s)" if fr else f"{report.claimed} row(s) handled")
            + ((f" : {words}." if fr else f": {words}.") if words else ".")
        )
        for outcome in report.outcomes:
            if outcome.status in ("failed", "dead", "pending") and outcome.error:
                click.echo(f"{outcome.entry_id:>6}  {outcome.error}")
    finally:
        liasse.close()
    if counts["failed"] or counts["dead"]:
        sys.exit(1)
