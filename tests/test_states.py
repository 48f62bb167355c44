"""The request and send state machines (DS-19, DS-20, DS-24, DS-25, DS-26).

The tables below are written out independently of :mod:`liasse.states` and
every (source, target) pair of each machine is checked against them, so a
transition added or lost in the code fails here.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from liasse.errors import IllegalTransition
from liasse.states import (
    MACHINES,
    REQUEST_MACHINE,
    SEND_MACHINE,
    ExchangeKind,
    LabelledState,
    RequestState,
    SendState,
    StateMachine,
    machine_for,
)

R = RequestState
S = SendState

REQUEST_TABLE: set[tuple[RequestState, RequestState]] = {
    (R.PENDING, R.SENT),
    (R.PENDING, R.FAILED),
    (R.FAILED, R.PENDING),
    (R.SENT, R.REMINDED),
    (R.REMINDED, R.REMINDED),
    (R.SENT, R.TO_IMPORT),
    (R.REMINDED, R.TO_IMPORT),
    (R.TO_IMPORT, R.IMPORTED),
    (R.SENT, R.CANCELLED),
    (R.REMINDED, R.CANCELLED),
    (R.SENT, R.EXPIRED),
    (R.REMINDED, R.EXPIRED),
}

SEND_TABLE: set[tuple[SendState, SendState]] = {
    (S.PENDING, S.SENT),
    (S.PENDING, S.FAILED),
    (S.FAILED, S.PENDING),
    (S.SENT, S.REMINDED),
    (S.REMINDED, S.REMINDED),
    (S.SENT, S.DONE),
    (S.REMINDED, S.DONE),
    (S.SENT, S.CANCELLED),
    (S.REMINDED, S.CANCELLED),
    (S.SENT, S.EXPIRED),
    (S.REMINDED, S.EXPIRED),
}

REQUEST_PAIRS = list(itertools.product(RequestState, repeat=2))
SEND_PAIRS = list(itertools.product(SendState, repeat=2))


def _pair_id(pair: tuple[LabelledState, ...]) -> str:
    source, target = pair
    return f"{source.value}->{target.value}"


@pytest.mark.parametrize("pair", REQUEST_PAIRS, ids=[_pair_id(p) for p in REQUEST_PAIRS])
def test_ds20_request_transition_allowed_iff_in_table(pair: tuple[RequestState, RequestState]) -> None:
    source, target = pair
    expected = pair in REQUEST_TABLE
    assert REQUEST_MACHINE.is_allowed(source, target) is expected
    if expected:
        REQUEST_MACHINE.check(source, target)
    else:
        with pytest.raises(IllegalTransition):
            REQUEST_MACHINE.check(source, target)


@pytest.mark.parametrize("pair", SEND_PAIRS, ids=[_pair_id(p) for p in SEND_PAIRS])
def test_ds25_send_transition_allowed_iff_in_table(pair: tuple[SendState, SendState]) -> None:
    source, target = pair
    expected = pair in SEND_TABLE
    assert SEND_MACHINE.is_allowed(source, target) is expected
    if expected:
        SEND_MACHINE.check(source, target)
    else:
        with pytest.raises(IllegalTransition):
            SEND_MACHINE.check(source, target)


@pytest.mark.parametrize(
    ("machine", "table"),
    [(REQUEST_MACHINE, REQUEST_TABLE), (SEND_MACHINE, SEND_TABLE)],
    ids=["request", "send"],
)
def test_ds20_allowed_from_lists_exactly_the_table(machine: StateMachine[Any], table: set[tuple[Any, Any]]) -> None:
    for state in machine.states:
        assert set(machine.allowed_from(state)) == {target for source, target in table if source is state}
    assert machine.transitions == frozenset(table)


def test_ds20_final_states_have_no_way_out() -> None:
    assert set(REQUEST_MACHINE.final_states) == {R.IMPORTED, R.CANCELLED, R.EXPIRED}
    assert set(SEND_MACHINE.final_states) == {S.DONE, S.CANCELLED, S.EXPIRED}
    machines: tuple[StateMachine[Any], ...] = (REQUEST_MACHINE, SEND_MACHINE)
    for machine in machines:
        for final in machine.final_states:
            assert machine.is_final(final)
            assert machine.allowed_from(final) == ()
            for target in machine.states:
                with pytest.raises(IllegalTransition):
                    machine.check(final, target)
    # Failure is not final: a failed send is retried.
    assert not REQUEST_MACHINE.is_final(R.FAILED)
    assert not SEND_MACHINE.is_final(S.FAILED)


def test_ds24_a_reminder_may_follow_a_reminder() -> None:
    REQUEST_MACHINE.check(R.REMINDED, R.REMINDED)
    SEND_MACHINE.check(S.REMINDED, S.REMINDED)


def test_ds26_request_is_imported_only_after_the_answer() -> None:
    for source in (R.PENDING, R.SENT, R.REMINDED, R.FAILED):
        with pytest.raises(IllegalTransition):
            REQUEST_MACHINE.check(source, R.IMPORTED)
    REQUEST_MACHINE.check(R.TO_IMPORT, R.IMPORTED)


def test_fw_illegal_transition_message_names_both_states_and_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as caught:
        REQUEST_MACHINE.check(R.PENDING, R.IMPORTED)
    error = caught.value
    french = error.message("fr")
    assert "la demande" in french
    assert "« À envoyer »" in french and "« Terminé »" in french
    assert "« Envoyé »" in french and "« Échec d'envoi »" in french
    assert "Relancé" not in french
    english = error.message("en")
    assert "the request" in english
    assert "'To send'" in english and "'Done'" in english
    assert "'Sent'" in english and "'Sending failed'" in english
    assert error.params["source"] is R.PENDING
    assert error.params["target"] is R.IMPORTED
    assert error.params["allowed"] == (R.SENT, R.FAILED)


def test_fw_illegal_transition_from_a_final_state_says_none_is_possible() -> None:
    with pytest.raises(IllegalTransition) as caught:
        SEND_MACHINE.check(S.DONE, S.REMINDED)
    assert "l'envoi" in caught.value.message("fr")
    assert "aucun" in caught.value.message("fr")
    assert "none" in caught.value.message("en")


def test_ds20_state_labels_are_the_manual_words() -> None:
    assert R.SENT.label("fr") == "Envoyé"
    assert R.REMINDED.label("fr") == "Relancé"
    assert R.TO_IMPORT.label("fr") == "Terminé avec PJ à récupérer"
    assert R.IMPORTED.label("fr") == "Terminé"
    assert S.DONE.label("fr") == "Terminé"
    assert R.TO_IMPORT.label("en") == "Done, attachment to import"
    for state in [*RequestState, *SendState]:
        assert state.label("fr") and state.label("en")


def test_fw_label_follows_the_process_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_LANG", "en")
    assert R.SENT.label() == "Sent"
    monkeypatch.setenv("LIASSE_LANG", "fr")
    assert R.SENT.label() == "Envoyé"


def test_fw_states_round_trip_through_their_stored_value() -> None:
    for state in RequestState:
        assert RequestState(state.value) is state
        assert REQUEST_MACHINE.parse(state.value) is state
    for send_state in SendState:
        assert SendState(send_state.value) is send_state
    assert len({state.value for state in RequestState}) == len(RequestState)


def test_fw_machine_for_each_kind() -> None:
    assert machine_for(ExchangeKind.REQUEST) is REQUEST_MACHINE
    assert machine_for(ExchangeKind.SEND) is SEND_MACHINE
    assert machine_for("send") is SEND_MACHINE
    assert REQUEST_MACHINE.initial is R.PENDING and SEND_MACHINE.initial is S.PENDING
    for kind in (ExchangeKind.SIGNATURE,):
        assert kind not in MACHINES
        with pytest.raises(LookupError):
            machine_for(kind)


def test_fw_machine_refuses_states_of_another_enum() -> None:
    with pytest.raises(ValueError):
        StateMachine(
            name_fr="x",
            name_en="x",
            states=RequestState,
            initial=R.PENDING,
            transitions={(R.PENDING, S.SENT)},  # type: ignore[arg-type]
        )
