"""E-mails and SMS a sandbox "sends", kept for tests and the demo to read."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator

import attrs

_LINK = re.compile(r"https?://[^\s\"'<>]+")


@attrs.frozen
class Message:
    """One e-mail or SMS."""

    id: int
    channel: str  # "email" or "sms"
    to: str
    subject: str
    body: str
    sent_at: dt.datetime

    @property
    def links(self) -> tuple[str, ...]:
        """Every URL in the body, in order (a recipient's link, a confirmation link)."""
        return tuple(_LINK.findall(self.body))

    def to_json(self) -> dict[str, object]:
        """The message as the outbox endpoint serves it."""
        return {
            "id": self.id,
            "channel": self.channel,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
            "links": list(self.links),
            "sent_at": self.sent_at.isoformat(),
        }


class Outbox:
    """Thread-safe list of sent messages."""

    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._lock = threading.Lock()

    def email(self, to: str, subject: str, body: str) -> Message:
        """Record an e-mail."""
        return self._add("email", to, subject, body)

    def sms(self, to: str, body: str) -> Message:
        """Record an SMS."""
        return self._add("sms", to, "", body)

    def _add(self, channel: str, to: str, subject: str, body: str) -> Message:
        with self._lock:
            message = Message(len(self._messages) + 1, channel, to, subject, body, dt.datetime.now(dt.UTC))
            self._messages.append(message)
            return message

    def messages(self, to: str | None = None, channel: str | None = None) -> list[Message]:
        """Messages, oldest first, optionally for one address or channel."""
        with self._lock:
            return [m for m in self._messages if (to is None or m.to == to) and (channel is None or m.channel == channel)]

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages())

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()
