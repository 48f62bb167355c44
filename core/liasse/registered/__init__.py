"""Registered electronic mail (AR-01 … AR-12): letters from host events, consents, OTP validation, proofs.

:class:`RegisteredDesk` is one user's desk on a registered-mail provider
(AR24). Letters are exchanges of kind "letter" (state, provider id, outbox
row) with a ``registered_letters`` row beside them; every send goes through
the outbox relay with its idempotency key committed first, so a crash or a
lost answer never sends a letter twice (the provider's ``ref_client`` finds
it again).
"""

from liasse.registered.desk import RegisteredDesk
from liasse.registered.records import (
    ConsentChange,
    Letter,
    LetterChoice,
    LetterFilter,
    LetterProblem,
    PartyConsent,
    SendReport,
    ValidationReport,
)

__all__ = [
    "ConsentChange",
    "Letter",
    "LetterChoice",
    "LetterFilter",
    "LetterProblem",
    "PartyConsent",
    "RegisteredDesk",
    "SendReport",
    "ValidationReport",
]
