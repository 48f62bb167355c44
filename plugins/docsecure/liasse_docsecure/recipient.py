"""The contact's side of DocSecure, played over HTTP against the sandbox (demo and tests).

It does what a client does in a browser: open the link of the e-mail, type
the code received by SMS (or e-mail, for an organisation), then upload the
requested document or download the sent ones. Everything goes through the
sandbox's real pages and its outbox; nothing reaches into its state.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests
from liasse.multipart import post_file

CODE = re.compile(r"\b(\d{6})\b")
LINK = re.compile(r"https?://\S+/r/[\w-]+")


class RecipientError(AssertionError):
    """The recipient's page did not answer as a client would expect."""


class Recipient:
    """One contact of the sandbox at ``sandbox_url``, known by e-mail (and mobile for a person)."""

    def __init__(self, sandbox_url: str, email: str, mobile: str | None = None, timeout: float = 10.0) -> None:
        self.sandbox_url = sandbox_url.rstrip("/")
        self.email = email
        self.mobile = mobile
        self.timeout = timeout
        self.session = requests.Session()

    def latest_link(self) -> str:
        """The link of the newest e-mail sent to the contact."""
        for message in reversed(self._outbox(self.email, "email")):
            found = LINK.search(str(message["body"]))
            if found:
                return found.group(0)
        raise RecipientError(f"no DocSecure link in the e-mails to {self.email}")

    def open(self, link: str | None = None) -> str:
        """Open the link: the page asks for the code, and the code is sent."""
        link = link or self.latest_link()
        response = self.session.get(link, timeout=self.timeout)
        if response.status_code != 200:
            raise RecipientError(f"{link} answered {response.status_code}")
        return link

    def latest_code(self) -> str:
        """The newest code received: by SMS for a person, by e-mail for an organisation."""
        channel, to = ("sms", self.mobile) if self.mobile else ("email", self.email)
        assert to is not None
        for message in reversed(self._outbox(to, channel)):
            found = CODE.search(str(message["body"]))
            if found:
                return found.group(1)
        raise RecipientError(f"no code sent to {to} by {channel}")

    def enter_code(self, link: str, code: str | None = None) -> requests.Response:
        """Type the code on the page (the newest one received when omitted)."""
        return self.session.post(link, data={"code": code or self.latest_code()}, timeout=self.timeout)

    def upload(self, link: str, path: Path, media_type: str = "application/pdf") -> requests.Response:
        """Upload the requested document (the page's form field ``document``), streamed from disk."""
        return post_file(self.session, f"{link}/upload", "document", path, media_type, timeout=self.timeout)

    def download(self, link: str, dest: Path) -> Path:
        """Download what was sent (one PDF, or a zip) into ``dest``."""
        with self.session.get(f"{link}/download", stream=True, timeout=self.timeout) as response:
            if response.status_code != 200:
                raise RecipientError(f"download answered {response.status_code}: {response.text[:200]}")
            with dest.open("wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    out.write(chunk)
        return dest

    def answer_request(self, path: Path, media_type: str = "application/pdf") -> None:
        """The whole client's journey for a request: link, code, upload."""
        link = self.open()
        entered = self.enter_code(link)
        if entered.status_code != 200:
            raise RecipientError(f"code refused: {entered.status_code}")
        uploaded = self.upload(link, path, media_type)
        if uploaded.status_code not in (200, 201):
            raise RecipientError(f"upload refused: {uploaded.status_code} {uploaded.text[:200]}")

    def fetch_send(self, dest: Path) -> Path:
        """The whole client's journey for a send: link, code, download."""
        link = self.open()
        entered = self.enter_code(link)
        if entered.status_code != 200:
            raise RecipientError(f"code refused: {entered.status_code}")
        return self.download(link, dest)

    def _outbox(self, to: str, channel: str) -> list[dict[str, object]]:
        response = self.session.get(
            f"{self.sandbox_url}/_sandbox/outbox", params={"to": to, "channel": channel}, timeout=self.timeout
        )
        response.raise_for_status()
        messages: list[dict[str, object]] = response.json()
        return messages
