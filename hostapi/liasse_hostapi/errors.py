"""Errors a host raises through the protocols.

They carry the missing key so liasse can tell the user which record to fix.
"""

from __future__ import annotations


class HostLookupError(LookupError):
    """A record the caller named does not exist in the host."""

    what = "record"

    def __init__(self, key: object) -> None:
        self.key = key
        super().__init__(f"unknown {self.what}: {key!r}")


class UnknownAccount(HostLookupError):
    """No account with that number."""

    what = "account"


class UnknownUser(HostLookupError):
    """No user with that login."""

    what = "user"


class UnknownAttachment(HostLookupError):
    """No attachment with that id."""

    what = "attachment"


class UnknownEvent(HostLookupError):
    """No event with that id."""

    what = "event"


class UnknownParticipation(HostLookupError):
    """No participation invoice with that id."""

    what = "participation"


class UnknownIbanRecord(HostLookupError):
    """No IBAN record with that id."""

    what = "IBAN record"
