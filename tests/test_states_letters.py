"""The registered letter's state machine (AR-08 … AR-10), tested over every pair of states."""

from __future__ import annotations

import itertools

import pytest

from liasse.errors import IllegalTransition
from liasse.states import LETTER_MACHINE, MACHINES, ExchangeKind, LetterState, machine_for

L = LetterState
OUTCOMES = {L.ACKNOWLEDGED, L.REFUSED, L.NEGLECTED, L.BOUNCED}
LETTER_TABLE = {
    (L.PENDING, L.TO_VALID),
    (L.PENDING, L.WAITING),
    (L.PENDING, L.FAILED),
    (L.FAILED, L.PENDING),
    (L.TO_VALID, L.WAITING),
    (L.TO_VALID, L.SENT),
    (L.WAITING, L.SENT),
    *((source, outcome) for source in (L.TO_VALID, L.WAITING, L.SENT) for outcome in OUTCOMES),
}
PAIRS = list(itertools.product(LetterState, repeat=2))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_ar10_letter_transition_allowed_iff_in_table(pair: tuple[LetterState, LetterState]) -> None:
    source, target = pair
    expected = pair in LETTER_TABLE
    assert LETTER_MACHINE.is_allowed(source, target) is expected
    if expected:
        LETTER_MACHINE.check(source, target)
    else:
        with pytest.raises(IllegalTransition):
            LETTER_MACHINE.check(source, target)


def test_ar10_outcomes_are_final_and_the_words_are_the_manuals() -> None:
    assert set(LETTER_MACHINE.final_states) == OUTCOMES
    assert machine_for(ExchangeKind.LETTER) is LETTER_MACHINE and ExchangeKind.LETTER in MACHINES
    assert [s.value for s in (L.TO_VALID, L.WAITING, L.SENT, L.ACKNOWLEDGED, L.REFUSED, L.NEGLECTED, L.BOUNCED)] == [
        "to_valid",
        "waiting",
        "sent",
        "AR",
        "refused",
        "negligence",
        "bounced",
    ]
    assert L.NEGLECTED.label("fr") == "Négligée" and L.ACKNOWLEDGED.label("en") == "Acknowledged"
    # The outbox relay reads "pending" and "failed" for every kind it replays.
    assert LETTER_MACHINE.parse("pending") is L.PENDING and LETTER_MACHINE.parse("failed") is L.FAILED
