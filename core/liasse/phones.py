"""Mobile numbers for the SMS second factor (DS-03), read with phonenumbers.

Offices type numbers every way: ``06 54 55 99 87``, ``+33 (0)6 54…``,
``0032 470 12 34 56``. The provider needs E.164 and a number that can receive
an SMS, so a landline is refused here, with a sentence, before any call.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from liasse.errors import NotAMobile, PhoneInvalid

#: Offices are French: a number typed without a country code is French.
DEFAULT_REGION = "FR"

_LINE_WORDS: dict[int, tuple[str, str]] = {
    PhoneNumberType.FIXED_LINE: ("numéro de ligne fixe", "landline number"),
    PhoneNumberType.TOLL_FREE: ("numéro vert", "toll-free number"),
    PhoneNumberType.PREMIUM_RATE: ("numéro surtaxé", "premium-rate number"),
    PhoneNumberType.SHARED_COST: ("numéro à coût partagé", "shared-cost number"),
    PhoneNumberType.VOIP: ("numéro de voix sur IP", "VoIP number"),
    PhoneNumberType.UAN: ("numéro d'accès universel", "universal access number"),
}


def normalise_mobile(text: str, region: str = DEFAULT_REGION) -> str:
    """``text`` as an E.164 mobile number (``+33654559987``), or a clear error.

    Separators are dropped; ``+33 06…`` and ``+33 (0)6…`` lose their
    redundant leading 0; ``00`` is read as ``+``. A number that is valid but
    not a mobile raises :class:`NotAMobile`.
    """
    typed = text.strip()
    # "+33 (0)6 …" and "+33 06 …": a trunk 0 after the country code is a common slip, never part of the number.
    cleaned = re.sub(r"[\s.\-/()]", "", re.sub(r"\(0\)", "", typed))
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException:
        raise PhoneInvalid(number=typed) from None
    if not phonenumbers.is_valid_number(number) and number.italian_leading_zero:
        # phonenumbers keeps "+33 0654…" as a leading zero; parse it again without it.
        retry = cleaned.replace(f"+{number.country_code}0", f"+{number.country_code}", 1)
        try:
            number = phonenumbers.parse(retry, region)
        except NumberParseException:
            raise PhoneInvalid(number=typed) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(number=typed)
    kind = phonenumbers.number_type(number)
    if kind not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        line_fr, line_en = _LINE_WORDS.get(kind, ("numéro qui n'est pas un portable", "number that is not a mobile"))
        raise NotAMobile(number=typed, line_fr=line_fr, line_en=line_en)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
