"""The recipient's side of the demo: every e-mail and SMS the sandboxes "sent", read over their HTTP outbox.

A person trying ``liasse serve`` plays the client here: open the e-mail's
link (the provider's own pages, served by its sandbox), read the SMS code,
upload a document. The sample RIB is the one DocSecure's demo story uploads.
AR24's part of the demo plays the sender's phone too: the code its demo OTP
key shows now (AR-02, AR-09), and the sandbox's business clock moved on so a
validated letter leaves, or an unclaimed one lapses (AR-10).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import attrs
import requests
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
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


@attrs.frozen
class DemoOtp:
    """The code a demo user's OTP key shows now (the phone app, played by this page)."""

    provider: str
    account: str
    code: str


def demo_otps(sandboxes: dict[str, RunningSandbox]) -> list[DemoOtp]:
    """AR24's demo OTP key (``liasse sandbox ar24`` prints it) as the 6-digit code of this 30-second step."""
    if "ar24" not in sandboxes:
        return []
    from liasse_ar24.recipient import otp_code
    from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

    sandbox = sandboxes["ar24"].sandbox
    account = sandbox.user_account.login if sandbox.user_account is not None else ""
    return [DemoOtp(sandbox.title, account, otp_code(DEMO_OTP_KEY))]


def blueprint() -> Blueprint:
    """``/recipient``: the outboxes; ``/recipient/sample-rib.pdf``: a RIB to upload as the client."""
    bp = Blueprint("recipient", __name__, url_prefix="/recipient")

    @bp.get("/")
    def outboxes() -> ResponseReturnValue:
        sandboxes: dict[str, RunningSandbox] = current_app.extensions["liasse_sandboxes"]
        return render_template(
            "recipient.html", messages=read_outboxes(sandboxes), otps=demo_otps(sandboxes), zone_clock="juriszone" in sandboxes
        )

    @bp.post("/ar24/clock")
    def ar24_clock() -> ResponseReturnValue:
        """Move AR24's sandbox clock on: a validated letter leaves after 30 s, an unclaimed one lapses after 15 days."""
        sandboxes: dict[str, RunningSandbox] = current_app.extensions["liasse_sandboxes"]
        if "ar24" not in sandboxes:
            abort(404)
        from liasse_ar24.recipient import advance_clock

        choice = request.form.get("by", "minute")
        days, seconds = (16, 0) if choice == "16days" else (0, 60)
        now = advance_clock(sandboxes["ar24"].url, days=days, seconds=seconds)
        flash(f"Horloge du bac à sable AR24 avancée : il est {now} chez AR24.", "success")
        return redirect(url_for("recipient.outboxes"))

    @bp.post("/juriszone/clock")
    def juriszone_clock() -> ResponseReturnValue:
        """JZ-05: eleven days on at JurisZone's sandbox, so a share of the demo (ten days) reaches its expiry."""
        sandboxes: dict[str, RunningSandbox] = current_app.extensions["liasse_sandboxes"]
        if "juriszone" not in sandboxes:
            abort(404)
        moved = requests.post(f"{sandboxes['juriszone'].url}/_sandbox/clock", json={"advance_seconds": 11 * 86400}, timeout=10)
        moved.raise_for_status()
        now = dt.datetime.fromisoformat(str(moved.json()["now"]).replace("Z", "+00:00"))
        flash(
            f"Horloge du bac à sable JurisZone avancée de 11 jours : il est {now:%d/%m/%Y %H:%M} (UTC) chez JurisZone. "
            "Actualisez la liste des partages : ceux arrivés à échéance sont expirés.",
            "success",
        )
        return redirect(url_for("recipient.outboxes"))

    @bp.get("/sample-rib.pdf")
    def sample_rib() -> ResponseReturnValue:
        # DocSecure's demo data: the RIB of 2950 MARTIN JACQUES, valid IBAN with its RIB key.
        from liasse_docsecure.demo import client_rib

        with tempfile.TemporaryDirectory(prefix="sample-rib-") as folder:
            content = client_rib(Path(folder) / "RIB_MARTIN.pdf").read_bytes()
        return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name="RIB_MARTIN.pdf")

    return bp
