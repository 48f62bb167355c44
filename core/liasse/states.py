"""The life of a request and of a send, as state machines written as data.

Every state change of an exchange goes through :meth:`StateMachine.check`, so
a webhook, a sync and a user's click all obey the same table, and a change the
table does not allow is refused with a sentence that says which states are
possible instead. The state words are those of the DocSecure manual (Envoyé,
Relancé, Terminé, Terminé avec PJ à récupérer), in French and in English.

Registered letters follow AR24's status words (``to_valid``, ``waiting``,
``sent``, ``AR``, ``refused``, ``negligence``, ``bounced``) as labels of
named states; shares follow the shared zone's (JZ-04 … JZ-08). Signature
files have their own table and machine (:data:`SIGNATURE_MACHINE`, checked
by :mod:`liasse.signing`), not an exchange row's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from liasse.errors import IllegalStateChange
from liasse.messages import Lang, default_lang


class LabelledState(enum.Enum):
    """Base of state enums: a stored value plus the words users read.

    A member is declared as ``NAME = ("value", "libellé", "label")``; its
    :attr:`value` is the first item (what the database stores), so
    ``RequestState("sent")`` finds it back.
    """

    _value_: str
    label_fr: str
    label_en: str

    # The labels default only so that ``RequestState("sent")`` (a lookup, not a creation) type-checks.
    def __new__(cls, value: str, label_fr: str = "", label_en: str = "") -> LabelledState:
        member = object.__new__(cls)
        member._value_ = value
        member.label_fr = label_fr
        member.label_en = label_en
        return member

    def label(self, lang: Lang | None = None) -> str:
        """The state's word in ``lang`` (the process default when omitted)."""
        return self.label_en if (lang or default_lang()) == "en" else self.label_fr


class RequestState(LabelledState):
    """Where a document request stands (DS-12 … DS-27)."""

    PENDING = ("pending", "À envoyer", "To send")
    SENT = ("sent", "Envoyé", "Sent")
    REMINDED = ("reminded", "Relancé", "Reminded")
    #: The contact answered: a document waits to be imported into the host.
    TO_IMPORT = ("to_import", "Terminé avec PJ à récupérer", "Done, attachment to import")
    IMPORTED = ("imported", "Terminé", "Done")
    FAILED = ("failed", "Échec d'envoi", "Sending failed")
    CANCELLED = ("cancelled", "Annulé", "Cancelled")
    EXPIRED = ("expired", "Expiré", "Expired")


class SendState(LabelledState):
    """Where a send of documents stands (DS-15 … DS-18, DS-25)."""

    PENDING = ("pending", "À envoyer", "To send")
    SENT = ("sent", "Envoyé", "Sent")
    REMINDED = ("reminded", "Relancé", "Reminded")
    #: The contact downloaded the documents.
    DONE = ("done", "Terminé", "Done")
    FAILED = ("failed", "Échec d'envoi", "Sending failed")
    CANCELLED = ("cancelled", "Annulé", "Cancelled")
    EXPIRED = ("expired", "Expiré", "Expired")


class ShareState(LabelledState):
    """Where a share of a shared zone stands (JZ-04 … JZ-08)."""

    PENDING = ("pending", "À envoyer", "To send")
    #: The provider opened the share and e-mailed its recipients.
    ACTIVE = ("active", "Partagé", "Shared")
    #: Every recipient said they were done (JZ-07).
    COMPLETED = ("completed", "Terminé", "Completed")
    #: Past its expiry date: its links are refused (JZ-08).
    EXPIRED = ("expired", "Expiré", "Expired")
    #: Closed by the office before its expiry.
    CLOSED = ("closed", "Clôturé", "Closed")
    FAILED = ("failed", "Échec d'envoi", "Sending failed")


class LetterState(LabelledState):
    """Where a registered letter stands (AR-08 … AR-10); the provider's word is its value."""

    #: Committed with its outbox row, not yet accepted by the provider.
    PENDING = ("pending", "À envoyer", "To send")
    #: Prepared at the provider, waiting for the sender's OTP validation (AR-08).
    TO_VALID = ("to_valid", "À valider", "To validate")
    #: Validated, in the provider's queue (AR-09).
    WAITING = ("waiting", "En cours d'envoi", "Being sent")
    #: Time-stamped and notified: the recipient's delay runs (deposit and sending proofs).
    SENT = ("sent", "Envoyée", "Sent")
    ACKNOWLEDGED = ("AR", "Acceptée (AR)", "Acknowledged")
    REFUSED = ("refused", "Refusée", "Refused")
    #: Not claimed within 15 days (21 for an electronic notice).
    NEGLECTED = ("negligence", "Négligée", "Not claimed")
    BOUNCED = ("bounced", "Non distribuée (rebond)", "Bounced")
    FAILED = ("failed", "Échec d'envoi", "Sending failed")


class SignatureState(LabelledState):
    """Where a signature file stands (ES-06 … ES-11); the manual numbers 0, 1, 2 are only in the labels."""

    TO_SEND = ("to_send", "0 - À envoyer", "0 - To send")
    AWAITING = ("awaiting", "1 - En attente de signature", "1 - Awaiting signature")
    SIGNED = ("signed", "2 - Signé", "2 - Signed")
    DECLINED = ("declined", "Refusé", "Declined")
    EXPIRED = ("expired", "Expiré", "Expired")
    CANCELLED = ("cancelled", "Annulé", "Cancelled")


class ExchangeKind(LabelledState):
    """What an exchange is; the store keeps the value in ``exchanges.kind``, users read its label."""

    REQUEST = ("request", "Demande", "Request")
    SEND = ("send", "Envoi", "Send")
    SIGNATURE = ("signature", "Signature", "Signature")
    LETTER = ("letter", "Lettre recommandée", "Registered letter")
    SHARE = ("share", "Partage", "Share")


S = TypeVar("S", bound=LabelledState)


def _pairs(value: Iterable[tuple[S, S]]) -> frozenset[tuple[S, S]]:
    return frozenset(value)


@attrs.frozen
class StateMachine(Generic[S]):
    """Which state changes an exchange of one kind may go through.

    ``transitions`` is the whole table: a ``(source, target)`` pair is allowed
    when it is in the table and refused otherwise. A state with no way out is
    final.
    """

    name_fr: str
    name_en: str
    states: type[S]
    initial: S
    transitions: frozenset[tuple[S, S]] = attrs.field(converter=_pairs)

    def __attrs_post_init__(self) -> None:
        members = set(self.states)
        strays = {state for pair in self.transitions for state in pair} - members
        if self.initial not in members or strays:
            raise ValueError(f"{self.name_en}: states outside {self.states.__name__}: {strays or self.initial}")

    def name(self, lang: Lang | None = None) -> str:
        """The machine's name for sentences ("la demande", "the request")."""
        return self.name_en if (lang or default_lang()) == "en" else self.name_fr

    def parse(self, value: str) -> S:
        """The state stored as ``value`` (:class:`ValueError` when the machine has none)."""
        for state in self.states:
            if state.value == value:
                return state
        raise ValueError(f"{value!r} is not a state of {self.states.__name__}")

    def allowed_from(self, state: S) -> tuple[S, ...]:
        """The states reachable in one step from ``state``, in declaration order."""
        return tuple(target for target in self.states if (state, target) in self.transitions)

    def is_allowed(self, source: S, target: S) -> bool:
        """Whether the table lets ``source`` become ``target``."""
        return (source, target) in self.transitions

    def is_final(self, state: S) -> bool:
        """Whether ``state`` has no way out (done, imported, cancelled, expired)."""
        return not self.allowed_from(state)

    @property
    def final_states(self) -> tuple[S, ...]:
        """Every final state, in declaration order."""
        return tuple(state for state in self.states if self.is_final(state))

    def check(self, source: S, target: S) -> None:
        """Refuse a change the table does not allow.

        Raises :class:`~liasse.errors.IllegalStateChange` (an
        :class:`~liasse.errors.IllegalTransition`) naming both states and the
        ones that are possible from ``source``.
        """
        if self.is_allowed(source, target):
            return
        allowed = self.allowed_from(source)
        raise IllegalStateChange(
            machine=self.name_fr,
            source=source,
            target=target,
            allowed=allowed,
            machine_fr=self.name_fr,
            machine_en=self.name_en,
            source_fr=source.label_fr,
            source_en=source.label_en,
            target_fr=target.label_fr,
            target_en=target.label_en,
            allowed_fr=", ".join(f"« {state.label_fr} »" for state in allowed) or "aucun (état final)",
            allowed_en=", ".join(f"'{state.label_en}'" for state in allowed) or "none (final state)",
        )


_R = RequestState
REQUEST_MACHINE: StateMachine[RequestState] = StateMachine(
    name_fr="la demande",
    name_en="the request",
    states=RequestState,
    initial=_R.PENDING,
    transitions={
        (_R.PENDING, _R.SENT),
        (_R.PENDING, _R.FAILED),
        (_R.FAILED, _R.PENDING),
        (_R.SENT, _R.REMINDED),
        (_R.REMINDED, _R.REMINDED),
        (_R.SENT, _R.TO_IMPORT),
        (_R.REMINDED, _R.TO_IMPORT),
        (_R.TO_IMPORT, _R.IMPORTED),
        (_R.SENT, _R.CANCELLED),
        (_R.REMINDED, _R.CANCELLED),
        (_R.SENT, _R.EXPIRED),
        (_R.REMINDED, _R.EXPIRED),
    },
)
"""Requests: sent, reminded as often as needed, answered, then imported into the host."""

_S = SendState
SEND_MACHINE: StateMachine[SendState] = StateMachine(
    name_fr="l'envoi",
    name_en="the send",
    states=SendState,
    initial=_S.PENDING,
    transitions={
        (_S.PENDING, _S.SENT),
        (_S.PENDING, _S.FAILED),
        (_S.FAILED, _S.PENDING),
        (_S.SENT, _S.REMINDED),
        (_S.REMINDED, _S.REMINDED),
        (_S.SENT, _S.DONE),
        (_S.REMINDED, _S.DONE),
        (_S.SENT, _S.CANCELLED),
        (_S.REMINDED, _S.CANCELLED),
        (_S.SENT, _S.EXPIRED),
        (_S.REMINDED, _S.EXPIRED),
    },
)
"""Sends: sent, reminded as often as needed, done when the contact downloads."""

_H = ShareState
SHARE_MACHINE: StateMachine[ShareState] = StateMachine(
    name_fr="le partage",
    name_en="the share",
    states=ShareState,
    initial=_H.PENDING,
    transitions={
        (_H.PENDING, _H.ACTIVE),
        (_H.PENDING, _H.FAILED),
        (_H.FAILED, _H.PENDING),
        (_H.ACTIVE, _H.COMPLETED),
        (_H.ACTIVE, _H.EXPIRED),
        (_H.ACTIVE, _H.CLOSED),
        # A completed share stays readable until its date, then expires like the others.
        (_H.COMPLETED, _H.EXPIRED),
    },
)
"""Shares: opened, completed by the recipients, expired at their date or closed by the office."""


_L = LetterState
_LETTER_OUTCOMES = (_L.ACKNOWLEDGED, _L.REFUSED, _L.NEGLECTED, _L.BOUNCED)
LETTER_MACHINE: StateMachine[LetterState] = StateMachine(
    name_fr="la lettre recommandée",
    name_en="the registered letter",
    states=LetterState,
    initial=_L.PENDING,
    transitions={
        (_L.PENDING, _L.TO_VALID),
        # Sent with the OTP at once: straight into the provider's queue.
        (_L.PENDING, _L.WAITING),
        (_L.PENDING, _L.FAILED),
        (_L.FAILED, _L.PENDING),
        (_L.TO_VALID, _L.WAITING),
        # A poll may miss the short-lived states: each later state is reachable directly.
        (_L.TO_VALID, _L.SENT),
        (_L.WAITING, _L.SENT),
        *((source, outcome) for source in (_L.TO_VALID, _L.WAITING, _L.SENT) for outcome in _LETTER_OUTCOMES),
    },
)
"""Letters: prepared, validated with the OTP, sent, then accepted, refused, not claimed or bounced."""


_G = SignatureState
SIGNATURE_MACHINE: StateMachine[SignatureState] = StateMachine(
    name_fr="le dossier de signature",
    name_en="the signature file",
    states=SignatureState,
    initial=_G.TO_SEND,
    transitions={
        (_G.TO_SEND, _G.AWAITING),
        (_G.AWAITING, _G.SIGNED),
        (_G.AWAITING, _G.DECLINED),
        (_G.AWAITING, _G.EXPIRED),
        (_G.AWAITING, _G.CANCELLED),
    },
)
"""Signature files: to send (signers and positions editable), awaiting signature, then signed or closed.

A refused send leaves the file "to send" with the provider's sentence: its last good state."""

MACHINES: Mapping[ExchangeKind, StateMachine[Any]] = {
    ExchangeKind.REQUEST: REQUEST_MACHINE,
    ExchangeKind.SEND: SEND_MACHINE,
    ExchangeKind.SHARE: SHARE_MACHINE,
    ExchangeKind.LETTER: LETTER_MACHINE,
}
"""The kinds whose states liasse checks; the others are recorded as given."""


def machine_for(kind: ExchangeKind | str) -> StateMachine[Any]:
    """The state machine of an exchange kind (its enum or its stored value).

    Raises :class:`LookupError` for kinds without a machine (signature,
    letter): use :data:`MACHINES` ``.get`` to test first.
    """
    kind = ExchangeKind(kind)
    try:
        return MACHINES[kind]
    except KeyError:
        raise LookupError(f"no state machine for exchanges of kind {kind.value!r}") from None
