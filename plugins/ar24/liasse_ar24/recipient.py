"""The other side of AR24, played over HTTP against the sandbox (demo and tests).

What a recipient does in a browser: open the link of the e-mail, identify,
accept or refuse the letter; answer a consent request; what the sender does
with their OTP key (read the 6-digit code). Everything goes through the
sandbox's real pages, outbox and controls; nothing reaches into its state.
"""

from __future__ import annotations

import re

import pyotp
import requests

TIMEOUT = 10
LETTER_LINK = re.compile(r"https?://\S+/r/\d+/[\w-]+")
CONSENT_LINK = re.compile(r"https?://\S+/consent/[\w-]+")
ACCESS_LINK = re.compile(r"https?://\S+/confirm_access/[\w-]+")
STATUS = re.compile(r'<p id="status">([^<]+)</p>')


class AR24Recipient:
    """One mailbox at the sandbox: its e-mails, and the pages their links open."""

    def __init__(self, sandbox_url: str, email: str) -> None:
        self.root = sandbox_url.rstrip("/").removesuffix("/api")
        self.email = email
        self.http = requests.Session()

    def mails(self) -> list[dict[str, str]]:
        """The e-mails AR24 sent to this address, oldest first."""
        response = self.http.get(f"{self.root}/_sandbox/outbox", params={"to": self.email}, timeout=TIMEOUT)
        response.raise_for_status()
        return list(response.json())

    def last_link(self, pattern: re.Pattern[str]) -> str:
        """The newest link of that kind in this mailbox."""
        for message in reversed(self.mails()):
            found = pattern.findall(message.get("body", ""))
            if found:
                return str(found[-1])
        raise LookupError(f"no link matching {pattern.pattern} in {self.email}'s mailbox")

    def confirm_access(self) -> str:
        """AR-01: follow the confirmation link and authorise the office's access to the account."""
        link = self.last_link(ACCESS_LINK)
        self.http.get(link, timeout=TIMEOUT).raise_for_status()
        response = self.http.post(link, timeout=TIMEOUT)
        response.raise_for_status()
        return response.text

    def answer_consent(self, accept: bool) -> str:
        """AR-03: open the consent page and accept or refuse; the state shown."""
        link = self.last_link(CONSENT_LINK)
        response = self.http.post(link, data={"answer": "accept" if accept else "refuse"}, timeout=TIMEOUT)
        response.raise_for_status()
        return _status(response.text)

    def open_letter(self) -> requests.Response:
        """AR-11: the letter's page (deadline, identification or the buttons)."""
        return self.http.get(self.last_link(LETTER_LINK), timeout=TIMEOUT)

    def identify(self, last_name: str) -> requests.Response:
        """AR-11: identify on the letter's page (the sandbox checks the last name)."""
        return self.http.post(self.last_link(LETTER_LINK), data={"action": "identify", "lastname": last_name}, timeout=TIMEOUT)

    def accept(self) -> str:
        """Accept the letter; the status the page shows."""
        response = self.http.post(self.last_link(LETTER_LINK), data={"action": "accept"}, timeout=TIMEOUT)
        return _status(response.text) if response.ok else response.text

    def refuse(self) -> str:
        """Refuse the letter; the status the page shows."""
        response = self.http.post(self.last_link(LETTER_LINK), data={"action": "refuse"}, timeout=TIMEOUT)
        return _status(response.text) if response.ok else response.text


def advance_clock(sandbox_url: str, *, days: float = 0, seconds: float = 0) -> str:
    """Move the sandbox's business clock forward; its new time (Paris, AR24's format)."""
    root = sandbox_url.rstrip("/").removesuffix("/api")
    response = requests.post(f"{root}/_sandbox/clock", json={"days": days, "seconds": seconds}, timeout=TIMEOUT)
    response.raise_for_status()
    return str(response.json()["now"])


def otp_code(key: str) -> str:
    """The 6-digit code the sender's OTP key shows now (TOTP, 30 s)."""
    return pyotp.TOTP(key, digits=6, interval=30).now()


def _status(page: str) -> str:
    found = STATUS.search(page)
    return found.group(1) if found else ""
