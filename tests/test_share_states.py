"""The share state machine (JZ-04 … JZ-08), every (source, target) pair against a table written out here."""

from __future__ import annotations

import itertools

import pytest

from liasse.errors import IllegalTransition
from liasse.states import SHARE_MACHINE, ExchangeKind, ShareState, machine_for

H = ShareState

SHARE_TABLE: set[tuple[ShareState, ShareState]] = {
    (H.PENDING, H.ACTIVE),
    (H.PENDING, H.FAILED),
    (H.FAILED, H.PENDING),
    (H.ACTIVE, H.COMPLETED),
    (H.ACTIVE, H.EXPIRED),
    (H.ACTIVE, H.CLOSED),
    (H.COMPLETED, H.EXPIRED),
}
PAIRS = list(itertools.product(ShareState, repeat=2))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_jz08_share_transition_allowed_iff_in_table(pair: tuple[ShareState, ShareState]) -> None:
    source, target = pair
    expected = pair in SHARE_TABLE
    assert SHARE_MACHINE.is_allowed(source, target) is expected
    if expected:
        SHARE_MACHINE.check(source, target)
    else:
        with pytest.raises(IllegalTransition) as caught:
            SHARE_MACHINE.check(source, target)
        assert "le partage" in caught.value.message("fr")


def test_jz08_expired_and_closed_are_final() -> None:
    assert SHARE_MACHINE.final_states == (H.EXPIRED, H.CLOSED)
    assert machine_for(ExchangeKind.SHARE) is SHARE_MACHINE
    assert machine_for("share").initial is H.PENDING


def test_jz08_share_states_have_both_labels() -> None:
    for state in ShareState:
        assert state.label("fr") and state.label("en")
        assert ShareState(state.value) is state
