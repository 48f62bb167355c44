"""DS-03: mobile numbers cleaned, normalised to E.164, landlines refused with a sentence."""

from __future__ import annotations

import pytest

from liasse.errors import NotAMobile, PhoneInvalid
from liasse.phones import normalise_mobile


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("06 54 55 99 87", "+33654559987"),
        ("06.54.55.99.87", "+33654559987"),
        ("+33 06 54 55 99 87", "+33654559987"),
        ("+33 (0)6 54 55 99 87", "+33654559987"),
        ("+33 0699999999", "+33699999999"),
        ("0033 6 54 55 99 87", "+33654559987"),
        ("+32 470 12 34 56", "+32470123456"),
        ("0032 470 12 34 56", "+32470123456"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_ds03_mobile_cleaned_and_normalised(typed: str, e164: str) -> None:
    assert normalise_mobile(typed) == e164


def test_ds03_landline_refused_with_the_way_out() -> None:
    with pytest.raises(NotAMobile) as refused:
        normalise_mobile("02 38 53 00 00")
    message = str(refused.value)
    assert "ligne fixe" in message and "06 ou 07" in message and "Organisation" in message


def test_ds03_landline_refused_in_english_too() -> None:
    with pytest.raises(NotAMobile) as refused:
        normalise_mobile("01 42 68 53 00")
    assert "landline" in refused.value.message("en")


@pytest.mark.parametrize("typed", ["abc", "+33 6 12", "06 54 55", ""])
def test_ds03_unreadable_number_refused(typed: str) -> None:
    with pytest.raises(PhoneInvalid, match="n'est pas un numéro de téléphone valide"):
        normalise_mobile(typed)
