"""The recipient's side of the demo: every e-mail and SMS the sandboxes "sent", read over their HTTP outbox.

A person trying ``liasse serve`` plays the client here: open the e-mail's
link (the provider's own pages, served by its sandbox), read the SMS code,
upload a document. The sample RIB is the one DocSecure's demo story uploads.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import attrs
import requests
from flask import Blueprint, current_app, render_template, send_file
from flask.typing import ResponseReturnValue

from liasse.sandbox import RunningSandbox


@attrs.frozen
class OutboxMessage:
    """One message of a sandbox's outbox, as the page lists it."""

    #: The provider's name as users read it ("DocSecure").
    provider: str
    channel: str
    to: str
    subject: str
    body: str
    links: tuple[str, ...]
    sent_at: dt.datetime


def read_outboxes(sandboxes: dict[str, RunningSandbox]) -> list[OutboxMessage]:
    """Every sandbox's messages, newest first, read from ``GET /_sandbox/outbox`` like any client would."""
    messages: list[OutboxMessage] = []
    for name, sandbox in sorted(sandboxes.items()):
        answer = requests.get(f"{sandbox.url}/_sandbox/outbox", timeout=10)
        answer.raise_for_status()
        for item in answer.json():
            messages.append(_message(sandbox.sandbox.title, item))
    return sorted(messages, key=lambda m: m.sent_at, reverse=True)


def _message(provider: str, item: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage(
        provider=provider,
        channel=str(item["channel"]),
        to=str(item["to"]),
        subject=str(item.get("subject") or ""),
        body=str(item["body"]),
        links=tuple(item.get("links") or ()),
        sent_at=dt.datetime.fromisoformat(str(item["sent_at"])),
    )


def blueprint() -> Blueprint:
    """``/recipient``: the outboxes; ``/recipient/sample-rib.pdf``: a RIB to upload as the client."""
    bp = Blueprint("recipient", __name__, url_prefix="/recipient")

    @bp.get("/")
    def outboxes() -> ResponseReturnValue:
        sandboxes: dict[str, RunningSandbox] = current_app.extensions["liasse_sandboxes"]
        return render_template("recipient.html", messages=read_outboxes(sandboxes))

    @bp.get("/sample-rib.pdf")
    def sample_rib() -> ResponseReturnValue:
        # DocSecure's demo data: the RIB of 2950 MARTIN JACQUES, valid IBAN with its RIB key.
        from liasse_docsecure.demo import client_rib

        with tempfile.TemporaryDirectory(prefix="sample-rib-") as folder:
            content = client_rib(Path(folder) / "RIB_MARTIN.pdf").read_bytes()
        return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name="RIB_MARTIN.pdf")

    return bp
