"""Bank account numbers shown without being disclosed: ``FR76 **** … 1234`` (S4).

An IBAN is enough to set up a direct debit or to redirect a payment, so
liasse never prints, logs or puts one whole into a repr or an error: it
shows the country, the check digits and the last four characters, which is
what a person needs to tell two accounts apart. The full number is shown
only where the user asks for it (``liasse docsecure import --show-iban``).
"""

from __future__ import annotations

import re

#: What an IBAN looks like in running text, grouped by four or not (2 letters, 2 digits, 11 to 30 more).
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_BLANKS = re.compile(r"\s+")


def mask_iban(iban: str) -> str:
    """``FR76 **** … 1234``: the country and check digits, and the last four characters only."""
    compact = _BLANKS.sub("", iban).upper()
    if len(compact) < 12:
        # Too short to be an IBAN: nothing of it is worth showing.
        return "****"
    return f"{compact[:4]} **** … {compact[-4:]}"


def mask_ibans(text: str) -> str:
    """``text`` with every IBAN-shaped run masked (a false positive only hides letters, never leaks)."""
    return _IBAN_IN_TEXT.sub(lambda found: mask_iban(found.group(0)), text)
