"""What the intake pipeline reads from received documents, and what it finds wrong with them."""

from __future__ import annotations

import enum
from pathlib import Path

import attrs

from liasse.masking import mask_iban
from liasse.messages import Lang, default_lang


class Severity(enum.Enum):
    """How much a bank-details finding matters (BY-02)."""

    #: Worth knowing; nothing to do (a BIC completed from the IBAN).
    INFO = "info"
    #: Check before relying on the record (a holder name that differs in form).
    WARNING = "warning"
    #: The host must show it and have it confirmed before the record pays anyone
    #: (an IBAN that replaces the account's current one, someone else's name).
    DANGER = "danger"


@attrs.frozen
class BankWarning:
    """One named finding about bank details, with its severity and its sentence in both languages."""

    #: A stable name hosts can key on: ``iban_changed``, ``holder_mismatch``, ``bic_country`` …
    code: str
    severity: Severity
    text_fr: str
    text_en: str
    #: The plugin that found it; liasse fills it.
    source: str = ""

    def message(self, lang: Lang | None = None) -> str:
        """The sentence in ``lang`` (the process default when omitted)."""
        return self.text_en if (lang or default_lang()) == "en" else self.text_fr


@attrs.frozen
class BankDetails:
    """Bank details read from a received document (DS-26, BY-06).

    ``source`` names the extractor that read them; liasse fills it.
    """

    #: Masked in the repr (``FR76 **** … 1234``): a repr ends up in logs and tracebacks (S4).
    iban: str = attrs.field(repr=lambda value: repr(mask_iban(value)))
    bic: str | None = None
    holder: str | None = None
    bank: str | None = None
    source: str = ""


@attrs.frozen
class IncomingDocument:
    """A received file on disk, as the intake hooks see it."""

    path: Path
    file_name: str
    media_type: str
    sha256: str
    provider: str
    #: The provider's small logo, for stampers that put it beside the mark on images (DS-28).
    logo: Path | None = None


@attrs.frozen
class Screening:
    """What a screener made of a received document before the host gets it (``liasse_screen_document``).

    ``path`` is the file to pass on: the received one when nothing had to
    go, else a cleaned copy the screener wrote. ``removed_fr``/``removed_en``
    say what was taken out, in the user's words ("JavaScript", "2 fichier(s)
    joint(s)"); empty when the document passes as it came.
    """

    path: Path
    removed_fr: tuple[str, ...] = ()
    removed_en: tuple[str, ...] = ()
    #: The screener that decided; liasse fills it.
    source: str = ""

    @property
    def cleaned(self) -> bool:
        """True when something was removed: the host gets a copy, and the file as received is kept beside it."""
        return bool(self.removed_fr or self.removed_en)
