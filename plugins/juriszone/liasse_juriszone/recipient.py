"""A recipient's side of JurisZone, played over HTTP against the sandbox (demo and tests).

It does what a party does in a browser: open the activation link of the
first e-mail and choose a password, open the access link of the second,
log in, download the documents, and, with "may modify", return one changed
or add another, then say it is done. Everything goes through the sandbox's
real pages and its outbox; nothing reaches into its state.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import requests

ACTIVATION = re.compile(r"https?://\S+/zone/activate/[\w-]+")
ACCESS = re.compile(r"https?://\S+/zone/s/[\w-]+")
DOCUMENT = re.compile(r"<a class='document' href='([^']+)'>([^<]+)</a>")
REFUSAL = re.compile(r"<p class='refusal'>([^<]+)</p>")


@attrs.frozen
class Page:
    """A page the recipient saw: its status and, for a refusal, the sentence it shows."""

    status: int
    html: str

    @property
    def sentence(self) -> str:
        """The refusal's sentence (empty for a page that is not one)."""
        found = REFUSAL.search(self.html)
        return found.group(1).replace("&#x27;", "'").replace("&amp;", "&") if found else ""


class Recipient:
    """One party with a mailbox at the sandbox and a browser."""

    def __init__(self, sandbox_url: str, email: str, password: str = "Mot-de-passe-2026") -> None:
        self.sandbox_url = sandbox_url.rstrip("/")
        self.email = email
        self.password = password
        self.browser = requests.Session()

    def __repr__(self) -> str:
        return f"Recipient({self.email!r})"

    def mails(self) -> list[dict[str, object]]:
        """The e-mails the sandbox sent to this recipient, oldest first."""
        answer = requests.get(f"{self.sandbox_url}/_sandbox/outbox", params={"to": self.email, "channel": "email"}, timeout=10)
        answer.raise_for_status()
        return list(answer.json())

    def _link(self, pattern: re.Pattern[str]) -> str:
        for mail in reversed(self.mails()):
            found = pattern.search(str(mail["body"]))
            if found:
                return found.group(0)
        raise LookupError(f"no e-mail to {self.email} holds a link like {pattern.pattern}")

    def activate(self) -> Page:
        """JZ-05: the activation e-mail's link, then a password."""
        link = self._link(ACTIVATION)
        self.browser.get(link, timeout=10).raise_for_status()
        answer = self.browser.post(link, data={"password": self.password}, timeout=10)
        return Page(answer.status_code, answer.text)

    def access_link(self) -> str:
        """The link of the latest access e-mail."""
        return self._link(ACCESS)

    def open_zone(self, link: str | None = None) -> Page:
        """The access link, logging in with the password when the page asks for it."""
        link = link or self.access_link()
        answer = self.browser.get(link, timeout=10)
        if answer.status_code == 200 and "name='password'" in answer.text:
            answer = self.browser.post(f"{link}/login", data={"password": self.password}, timeout=10)
        return Page(answer.status_code, answer.text)

    def documents(self, link: str | None = None) -> dict[str, str]:
        """The zone's documents: name -> download URL."""
        page = self.open_zone(link)
        return {name: f"{self.sandbox_url}{href}" for href, name in DOCUMENT.findall(page.html)}

    def document_id(self, name: str, link: str | None = None) -> str:
        """The provider's id of a document of the zone, as its download link shows it (to return it changed)."""
        return self.documents(link)[name].rsplit("/", 1)[-1]

    def download(self, name: str, dest: Path, link: str | None = None) -> Path:
        """Download one document of the zone, streamed to ``dest``."""
        url = self.documents(link)[name]
        with self.browser.get(url, stream=True, timeout=30) as answer:
            answer.raise_for_status()
            with dest.open("wb") as out:
                for chunk in answer.iter_content(1024 * 1024):
                    out.write(chunk)
        return dest

    def upload(self, path: Path, *, replaces: str = "", link: str | None = None, name: str | None = None) -> Page:
        """JZ-06: return a document (``replaces`` its id) or add one, as the zone's form posts it, streamed."""
        from liasse.multipart import FilePart, MultipartBody

        link = link or self.access_link()
        self.open_zone(link)
        with path.open("rb") as stream:
            body = MultipartBody(
                [("replaces", replaces)], [FilePart("file", name or path.name, stream, path.stat().st_size)]
            )
            answer = self.browser.post(f"{link}/documents", data=body, headers={"Content-Type": body.content_type}, timeout=30)
        return Page(answer.status_code, answer.text)

    def complete(self, link: str | None = None) -> Page:
        """JZ-07: "J'ai terminé"."""
        link = link or self.access_link()
        self.open_zone(link)
        answer = self.browser.post(f"{link}/complete", timeout=10)
        return Page(answer.status_code, answer.text)
