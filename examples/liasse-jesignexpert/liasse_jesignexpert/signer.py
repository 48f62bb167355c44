"""A signer acting on the sandbox's real pages over HTTP, as a person would (JS-05).

For tests and the demo: the invitation's link is read from the sandbox's
outbox as a mailbox would show it, the code from the SMS as a phone would.
"""

from __future__ import annotations

import re

import attrs
import requests

_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
_CODE = re.compile(r"\b(\d{4})\b")


@attrs.frozen
class Signer:
    """A signer driving the sandbox's pages over HTTP, from the e-mail's link to "Signer" (JS-05)."""

    sandbox_url: str
    email: str
    phone: str

    def outbox(self, to: str, channel: str | None = None) -> list[dict[str, object]]:
        """The sandbox's messages to ``to`` (an address or a phone), oldest first."""
        params = {"to": to, **({"channel": channel} if channel else {})}
        answer = requests.get(f"{self.sandbox_url}/_sandbox/outbox", params=params, timeout=5)
        answer.raise_for_status()
        return list(answer.json())

    def invitation_link(self) -> str:
        """The "Consulter les documents et signer" link of the newest invitation."""
        invitations = [m for m in self.outbox(self.email, "email") if "/sign/" in str(m["body"])]
        if not invitations:
            raise LookupError(f"no invitation reached {self.email}")
        return next(str(link) for link in invitations[-1]["links"] if "/sign/" in str(link))  # type: ignore[attr-defined]

    def open(self) -> requests.Response:
        """Follow the invitation's link: the page with the document and "J'ai lu et j'accepte"."""
        return requests.get(self.invitation_link(), timeout=5)

    def accept(self, *, ticked: bool = True) -> requests.Response:
        """Tick "J'ai lu et j'accepte le document ci-dessus" and go on: the SMS code is sent."""
        page = self.open()
        action = _FORM_ACTION.search(page.text)
        if not action:
            raise LookupError(page.text)
        return requests.post(self.sandbox_url + action.group(1), data={"read_and_accept": "yes"} if ticked else {}, timeout=5)

    def sms_code(self) -> str:
        """The newest code texted to the signer's phone."""
        texts = self.outbox(self.phone, "sms")
        if not texts:
            raise LookupError(f"no SMS reached {self.phone}")
        found = _CODE.search(str(texts[-1]["body"]))
        if not found:
            raise LookupError(texts[-1])
        return found.group(1)

    def sign(self, code: str | None = None, *, terms: bool = True, privacy: bool = True) -> requests.Response:
        """Type the code (the texted one unless given), tick the boxes, "Signer"."""
        link = self.invitation_link()
        form = {"code": code if code is not None else self.sms_code()}
        if terms:
            form["terms"] = "yes"
        if privacy:
            form["privacy"] = "yes"
        return requests.post(f"{link}/sign", data=form, timeout=5)

    def sign_all_the_way(self) -> requests.Response:
        """Read, accept, receive the code, sign."""
        accepted = self.accept()
        if accepted.status_code != 200:
            return accepted
        return self.sign()

    def signed_copy_links(self) -> list[str]:
        """The links of the "Document signé" e-mail (Jesignexpert sends a link, not an attachment)."""
        mails = [m for m in self.outbox(self.email, "email") if str(m["subject"]).startswith("Document signé")]
        return [str(link) for m in mails for link in m["links"]]  # type: ignore[attr-defined]
