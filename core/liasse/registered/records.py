"""What the registered-mail desk shows and takes: choices, problems, letters, consents."""

from __future__ import annotations

import datetime as dt

import attrs

from liasse.errors import LiasseError
from liasse.records import ConsentState, LetterKind, ProofKind
from liasse.states import LetterState


@attrs.frozen
class LetterChoice:
    """AR-05/AR-06: one letter the user asks for: an event, one of its parties, how it goes."""

    event_id: int
    #: The party's key within the event (:func:`liasse.registered.letters.party_key`).
    party_key: str
    kind: LetterKind
    colour: bool = False
    double_sided: bool = False
    #: AR-04: the host entity whose linked payment means bills the letter.
    billing_entity: str | None = None


@attrs.frozen
class LetterProblem:
    """AR-07: why one party of one event cannot receive its letter."""

    event_id: int
    event_title: str
    party_name: str
    #: A stable code: not_timestamped, no_email, no_consent, no_address, page_not_a4, unknown_party, …
    reason: str
    text_fr: str
    text_en: str

    def text(self, lang: str = "fr") -> str:
        """The sentence in ``lang``."""
        return self.text_en if lang == "en" else self.text_fr


@attrs.frozen
class ValidationReport:
    """AR-06/AR-07: the choices that can go, and a summary of the others per party and reason."""

    ready: tuple[LetterChoice, ...]
    problems: tuple[LetterProblem, ...]

    @property
    def ok(self) -> bool:
        """Nothing in error."""
        return not self.problems

    @property
    def events_in_error(self) -> tuple[int, ...]:
        """The events with at least one party in error, in order."""
        return tuple(dict.fromkeys(p.event_id for p in self.problems))

    def by_reason(self) -> dict[str, tuple[LetterProblem, ...]]:
        """The problems grouped by reason (the summary's sections)."""
        groups: dict[str, list[LetterProblem]] = {}
        for problem in self.problems:
            groups.setdefault(problem.reason, []).append(problem)
        return {reason: tuple(items) for reason, items in groups.items()}


@attrs.frozen
class Letter:
    """A registered letter as liasse holds it (AR-10)."""

    id: int
    event_id: int
    party_name: str
    kind: LetterKind
    state: LetterState
    label: str
    account_number: str | None
    remote_id: str | None
    recipient_email: str | None
    postal_address: str | None
    created_by: str
    created_at: dt.datetime
    deposit_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    refused_at: dt.datetime | None = None
    negligence_at: dt.datetime | None = None
    bounced_at: dt.datetime | None = None
    last_error: str | None = None
    deposit_proof_id: int | None = None
    outcome_proof_id: int | None = None


@attrs.frozen
class SendReport:
    """AR-08: each letter's result, in the order chosen, and the choices refused before any call."""

    results: tuple[Letter | LiasseError, ...]
    problems: tuple[LetterProblem, ...] = ()
    #: Documents uploaded to the provider (a document shared by many letters counts once).
    uploads: int = 0


@attrs.frozen
class PartyConsent:
    """AR-03: a party's consent as liasse holds it."""

    party_key: str
    party_name: str
    email: str | None
    ticked: bool
    remote_state: ConsentState | None = None
    #: The consent page, usable as a letter variable.
    link: str | None = None


@attrs.frozen
class ConsentChange:
    """AR-03 "update consents": one party whose consent or e-mail changed."""

    party_key: str
    party_name: str
    ticked_before: bool
    ticked_after: bool
    email_before: str | None
    email_after: str | None


@attrs.frozen
class LetterFilter:
    """AR-10: which letters to list."""

    states: tuple[LetterState, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    #: Letters of every user of the provider account (AR-10 "other users' letters"), not only the acting user's.
    all_users: bool = False
    event_id: int | None = None


@attrs.frozen
class RefreshReport:
    """What a re-read or a poll changed (the webhook processing reads ``changed``)."""

    changed: tuple[int, ...]
    proofs: tuple[tuple[int, ProofKind], ...] = ()
