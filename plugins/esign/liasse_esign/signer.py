"""A signer of ESign, played over HTTP against the Yousign sandbox (demo and tests).

It does what a person does in a browser: find the invitation in the
sandbox's outbox, open the link, open every document (the page requires
the whole document read), ask for the code and read it from the SMS or
e-mail, tick the consent, then sign or decline. Nothing reaches into the
sandbox's state.
"""

from __future__ import annotations

import re

import attrs
import requests

CODE = re.compile(r"\b(\d{6})\b")
DOCUMENT = re.compile(r"href='(/sign/[\w-]+/documents/[\w-]+)'")


@attrs.frozen
class SigningOutcome:
    """What the signing page answered."""

    status: int
    page: str


class SandboxSigner:
    """One signer's browser on the sandbox at ``server_url`` (no ``/v3``)."""

    def __init__(self, server_url: str, email: str, phone: str | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.email = email
        self.phone = phone
        self.session = requests.Session()

    def link(self) -> str:
        """The newest signing link e-mailed to this signer."""
        messages = self.session.get(f"{self.server_url}/_sandbox/outbox", params={"to": self.email, "channel": "email"}, timeout=10).json()
        links = [link for message in messages for link in message["links"] if "/sign/" in link and not link.endswith("/signed")]
        if not links:
            raise LookupError(f"no signing link e-mailed to {self.email}")
        return str(links[-1])

    def open(self) -> str:
        """Open the signing page and every document on it; returns the page."""
        page = self.session.get(self.link(), timeout=10)
        page.raise_for_status()
        for path in DOCUMENT.findall(page.text):
            document = self.session.get(self.server_url + path, timeout=30)
            document.raise_for_status()
        return page.text

    def code(self) -> str | None:
        """Ask for the code when the page offers one, and read it from the SMS (or e-mail)."""
        page = self.open()
        if "/code'" not in page:
            return None
        self.session.post(self.link() + "/code", timeout=10).raise_for_status()
        channel, to = ("sms", self.phone) if "SMS" in page else ("email", self.email)
        messages = self.session.get(f"{self.server_url}/_sandbox/outbox", params={"to": to, "channel": channel}, timeout=10).json()
        found = [m for message in messages if (m := CODE.search(message["body"]))]
        return found[-1].group(1) if found else None

    def sign(self, *, consent: bool = True, code: str | None = None, read: bool = True) -> SigningOutcome:
        """Sign: read the documents, get the code unless given, consent, submit."""
        if code is None:
            code = self.code() if read else None
        elif read:
            self.open()
        form = {"action": "accept", "code": code or ""}
        if consent:
            form["consent"] = "yes"
        answer = self.session.post(self.link() + "/sign", data=form, timeout=30)
        return SigningOutcome(answer.status_code, answer.text)

    def decline(self, reason: str) -> SigningOutcome:
        """Refuse to sign, with a reason."""
        answer = self.session.post(self.link() + "/sign", data={"action": "decline", "reason": reason}, timeout=10)
        return SigningOutcome(answer.status_code, answer.text)

    def final_email_links(self) -> list[str]:
        """Download links of the final e-mail ("Document signé")."""
        messages = self.session.get(f"{self.server_url}/_sandbox/outbox", params={"to": self.email, "channel": "email"}, timeout=10).json()
        return [link for m in messages if m["subject"].startswith("Document signé") for link in m["links"]]

    def close(self) -> None:
        """Close the browser's connections."""
        self.session.close()
