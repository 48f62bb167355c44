"""``liasse webhooks …``: process received notifications, see the queue, serve the endpoint (R5).

Kept in its own module so ``liasse --help`` stays cheap: the store and the
plugins load only when a subcommand runs.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

#: How the queue's statuses read to an operator.
_WORDS = {
    "pending": ("en attente", "pending"),
    "processing": ("en cours", "processing"),
    "done": ("traitées", "done"),
    "failed": ("en échec (seront réessayées)", "failed (will be retried)"),
    "dead": ("abandonnées", "given up"),
}


def _liasse(ctx: click.Context) -> Any:
    from liasse.app import Liasse

    root = ctx.find_root().obj or {}
    return Liasse.open(root.get("config"), safe_mode=root.get("safe_mode") or None)


def _fr() -> bool:
    from liasse.messages import default_lang

    return default_lang() == "fr"


@click.group()
def webhooks() -> None:
    """Notifications (webhooks) received from providers: process them, list them, serve the endpoint."""


@webhooks.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def process(ctx: click.Context, as_json: bool) -> None:
    """Apply every notification due now (re-read from the provider, once each); exit 1 if some failed."""
    from liasse.webhooks.processing import process_pending

    liasse = _liasse(ctx)
    try:
        report = process_pending(liasse)
    finally:
        liasse.close()
    if as_json:
        click.echo(json.dumps({"claimed": report.claimed, "done": report.done, "failed": report.failed, "changed": list(report.changed)}))
    elif _fr():
        click.echo(f"{report.done} notification(s) traitée(s), {report.failed} en échec, {len(report.changed)} échange(s) mis à jour.")
    else:
        click.echo(f"{report.done} notification(s) processed, {report.failed} failed, {len(report.changed)} exchange(s) updated.")
    sys.exit(1 if report.failed else 0)


@webhooks.command()
@click.option("--provider", help="Only this provider's notifications.")
@click.pass_context
def status(ctx: click.Context, provider: str | None) -> None:
    """How many notifications are in each state, and why the failed ones failed."""
    import sqlalchemy as sa

    from liasse.store.models import WebhookEvent
    from liasse.webhooks.queue import counts

    liasse = _liasse(ctx)
    try:
        found = counts(liasse.store, provider)
        query = sa.select(WebhookEvent).where(WebhookEvent.status.in_(("failed", "dead"))).order_by(WebhookEvent.id).limit(20)
        if provider is not None:
            query = query.where(WebhookEvent.provider == provider)
        with liasse.store.session() as session:
            failures = [(e.provider, e.event_id, e.attempts, e.last_error or "") for e in session.scalars(query)]
    finally:
        liasse.close()
    fr = _fr()
    for state, (word_fr, word_en) in _WORDS.items():
        click.echo(f"{found.get(state, 0):>6}  {word_fr if fr else word_en}")
    for name, event_id, attempts, error in failures:
        click.echo(f"{name} {event_id} ({attempts} essai(s) / attempt(s)) : {error}")


@webhooks.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (put a TLS proxy in front).")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on (0: a free one, printed).")
@click.option(
    "--poll-every",
    default=900.0,
    show_default=True,
    type=float,
    help="Seconds between fallback syncs of every connected account (0: none).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, poll_every: float) -> None:
    """Serve POST /liasse/webhooks/<provider>, process what arrives and sync as a fallback, until Ctrl-C."""
    import threading

    from liasse.webhooks.processing import WebhookWorker
    from liasse.webhooks.receiver import WebhookReceiver, serve as serve_receiver

    liasse = _liasse(ctx)
    worker = WebhookWorker(liasse, poll_every=poll_every or None).start()
    running = serve_receiver(WebhookReceiver(liasse, on_accepted=lambda _receipt: worker.wake()), host=host, port=port)
    click.echo(f"{running.url}/<provider>")
    sys.stdout.flush()
    click.echo("Ctrl-C pour arrêter / to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
        worker.stop()
        liasse.close()
    done = sum(r.done for r in worker.reports)
    failed = sum(r.failed for r in worker.reports)
    if _fr():
        click.echo(f"{done} notification(s) traitée(s), {failed} en échec.")
    else:
        click.echo(f"{done} notification(s) processed, {failed} failed.")
