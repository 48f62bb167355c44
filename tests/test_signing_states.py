"""The signature file's state machine (ES-06 … ES-11), over every pair of states."""

from __future__ import annotations

import itertools

import pytest

from liasse.errors import IllegalTransition
from liasse.states import SIGNATURE_MACHINE, SignatureState

G = SignatureState
TABLE = {
    (G.TO_SEND, G.AWAITING),
    (G.AWAITING, G.SIGNED),
    (G.AWAITING, G.DECLINED),
    (G.AWAITING, G.EXPIRED),
    (G.AWAITING, G.CANCELLED),
}
PAIRS = list(itertools.product(SignatureState, repeat=2))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_es06_signature_transition_allowed_iff_in_table(pair: tuple[SignatureState, SignatureState]) -> None:
    source, target = pair
    assert SIGNATURE_MACHINE.is_allowed(source, target) is (pair in TABLE)
    if pair in TABLE:
        SIGNATURE_MACHINE.check(source, target)
    else:
        with pytest.raises(IllegalTransition):
            SIGNATURE_MACHINE.check(source, target)


def test_es10_final_states_and_the_manuals_numbers_as_labels() -> None:
    assert set(SIGNATURE_MACHINE.final_states) == {G.SIGNED, G.DECLINED, G.EXPIRED, G.CANCELLED}
    assert SIGNATURE_MACHINE.initial is G.TO_SEND
    assert [G.TO_SEND.label("fr"), G.AWAITING.label("fr"), G.SIGNED.label("fr")] == [
        "0 - À envoyer",
        "1 - En attente de signature",
        "2 - Signé",
    ]
    assert G.AWAITING.label("en") == "1 - Awaiting signature"
    assert G("to_send") is G.TO_SEND, "stored by name, never by the manual's number"


def test_es08_a_refused_change_names_the_possible_states() -> None:
    with pytest.raises(IllegalTransition) as caught:
        SIGNATURE_MACHINE.check(G.SIGNED, G.TO_SEND)
    assert "état final" in caught.value.message("fr")
