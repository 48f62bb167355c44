"""liasse's built-in checks of received bank details (BY-02).

Run through the ``liasse_check_bank_details`` extension point, after
:func:`liasse.intake.pipeline.checked_bank_details` has refused what cannot
be right (IBAN checksum, French RIB key, BIC format: :class:`~liasse.errors.BankDetailsInvalid`).
What is left are details that are *valid* but may not be the right ones: each
finding is a :class:`~liasse.records.BankWarning` with a stable code:

=================  ========  =====================================================================
code               severity  when
=================  ========  =====================================================================
``iban_invalid``   DANGER    the IBAN does not parse (only when a caller skipped the pipeline)
``bic_invalid``    DANGER    the BIC does not parse (same)
``bic_country``    DANGER    the BIC's country is not the IBAN's (overseas territories allowed)
``bic_bank``       WARNING   the registry puts the BIC and the IBAN's bank code at different banks
``bank_name``      WARNING   the domiciliation printed on the RIB names another bank than the registry's
``holder_missing`` INFO      no holder was read: the record takes the account's title
``holder_partial`` WARNING   the holder matches the account's title only in part, or with typos
``holder_mismatch`` DANGER   the holder is someone else (no common name, or another first name)
``iban_changed``   DANGER    the account already has an IBAN and this one differs from the current one
``iban_known``     INFO      the IBAN is the account's current one
=================  ========  =====================================================================

The same table is :data:`CHECKS`, for hosts and docs. Names are compared
without accents, case, punctuation, civilities ("M. et Mme"), company forms
("SARL") or word order; difflib tells typos (an OCR's "LAVERGNF") from other
names. rapidfuzz would be faster, but names are a few words long and
difflib is in the standard library: no dependency is added for it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from liasse.masking import mask_iban
from liasse.markers import hookimpl
from liasse.records import BankDetails, BankWarning, Severity

if TYPE_CHECKING:
    from liasse_hostapi.records import Account, IbanRecord
    from schwifty import BIC, IBAN

#: Every built-in check: code → (severity, what it means). Kept in step with the module docstring.
CHECKS: dict[str, tuple[Severity, str]] = {
    "iban_invalid": (Severity.DANGER, "The IBAN does not parse (checksum, RIB key, length)."),
    "bic_invalid": (Severity.DANGER, "The BIC does not parse."),
    "bic_country": (Severity.DANGER, "The BIC's country differs from the IBAN's."),
    "bic_bank": (Severity.WARNING, "The BIC and the IBAN's bank code belong to different banks (schwifty registry)."),
    "bank_name": (Severity.WARNING, "The RIB's domiciliation names another bank than the registry's."),
    "holder_missing": (Severity.INFO, "No holder was read; the record takes the account's title."),
    "holder_partial": (Severity.WARNING, "The holder matches the account's title only in part or with typos."),
    "holder_mismatch": (Severity.DANGER, "The holder is someone else than the account's owner."),
    "iban_changed": (Severity.DANGER, "The IBAN differs from the account's current one: confirm before paying."),
    "iban_known": (Severity.INFO, "The IBAN is the account's current one."),
}

#: IBAN country → BIC countries that legitimately share it: French overseas banks (BNPARERX)
#: give FR IBANs, Crown dependencies GB ones, Åland FI ones.
SHARED_IBAN_COUNTRIES: dict[str, frozenset[str]] = {
    "FR": frozenset({"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}),
    "GB": frozenset({"GG", "JE", "IM"}),
    "FI": frozenset({"AX"}),
}

#: Civilities and joining words dropped before comparing holders ("M. et Mme", "Époux", "née").
CIVILITIES = frozenset(
    {
        "M", "MR", "MM", "MONSIEUR", "MESSIEURS", "MME", "MMES", "MADAME", "MESDAMES", "MLLE", "MLLES",
        "MADEMOISELLE", "DR", "DOCTEUR", "ME", "MAITRE", "ET", "OU", "EPOUX", "EPOUSE", "EP", "NEE", "NE",
        "VEUVE", "VVE", "VEUF", "CONSORTS", "CTS", "MRS", "MS", "MISS", "AND", "OR",
    }
)
#: Company forms and filler words: "SARL LES VERGERS" and "Les Vergers SAS" are one company.
COMPANY_FORMS = frozenset(
    {
        "SARL", "SAS", "SASU", "SCI", "EURL", "SA", "SNC", "SCP", "SCM", "SCEA", "GAEC", "EARL", "SELARL",
        "SELAS", "SELAFA", "SELURL", "SEL", "EI", "EIRL", "SC", "GIE", "SCOP", "STE", "SOCIETE", "ETS", "ETABLISSEMENTS", "ASSOCIATION", "ASSOC", "LTD", "GMBH", "AG", "BV", "SPRL", "SRL",
        "LE", "LA", "LES", "L", "DE", "DU", "DES", "D", "AU", "AUX",
    }
)
#: Words every bank name shares: they say nothing about *which* bank it is.
BANK_GENERIC = frozenset(
    {
        "BANQUE", "BANK", "BANCA", "BANCO", "CREDIT", "CREDI", "CAISSE", "CAISS", "SA", "SAS", "AG", "GROUPE",
        "AGENCE", "SUCCURSALE", "CENTRE", "FINANCIER", "REGIONALE", "REGIONAL", "REGIO", "FRANCE",
        "PARIS", "IDF", "EUROPE", "CONTINENTAL", "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "ET",
        "AGENCY", "BRANCH", "THE", "OF",
    }
)
#: Short names French RIBs print for banks the registry spells out.
BANK_ALIASES: dict[str, str] = {
    "SG": "SOCIETE GENERALE",
    "LCL": "CREDIT LYONNAIS",
    "LBP": "LA BANQUE POSTALE",
    "BP": "BANQUE POPULAIRE",
    "BPCE": "BANQUE POPULAIRE CAISSE EPARGNE",
    "CE": "CAISSE EPARGNE",
    "CA": "CREDIT AGRICOLE",
    "CRCA": "CREDIT AGRICOLE",
    "CM": "CREDIT MUTUEL",
    "CIC": "CREDIT INDUSTRIEL COMMERCIAL",
    "BOURSORAMA": "BOURSOBANK",
    "BNPP": "BNP PARIBAS",
}
#: Two name tokens this alike (difflib ratio) are one name mistyped or misread.
TYPO_RATIO = 0.8
#: Shortest token a typo or an abbreviation ("AGRIC" for AGRICOLE) is accepted on.
MIN_FUZZY_LENGTH = 4

#: One check: (details, parsed IBAN, parsed BIC or None, account, previous records) → findings.
Check = Callable[[BankDetails, "IBAN", "BIC | None", "Account", Sequence["IbanRecord"]], list[BankWarning]]


@hookimpl(trylast=True)
def liasse_check_bank_details(
    details: BankDetails, account: Account, previous: Iterable[IbanRecord]
) -> list[BankWarning]:
    """BY-02: every built-in check on ``details``, in :data:`CHECKS`' order; an empty list when all is well."""
    return check_bank_details(details, account, previous)


def check_bank_details(details: BankDetails, account: Account, previous: Iterable[IbanRecord]) -> list[BankWarning]:
    """The findings about ``details`` for ``account`` (``previous``: its IBAN records, oldest first)."""
    # Imported here: schwifty loads its bank registry, which ``liasse plugins`` has no use for (P5).
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    records = tuple(previous)
    try:
        iban = IBAN(details.iban, validate_bban=True)
    except SchwiftyException as exc:
        # The pipeline refuses these before the checks; a host calling the hook directly still gets a sentence.
        return [
            _warning(
                "iban_invalid",
                f"L'IBAN « {mask_iban(details.iban)} » est invalide ({exc}) : vérifiez-le sur le RIB reçu ; "
                "aucun paiement ne doit partir vers lui.",
                f"The IBAN '{mask_iban(details.iban)}' is invalid ({exc}): check it on the received RIB; "
                "no payment may go to it.",
            )
        ]
    bic: BIC | None = None
    findings: list[BankWarning] = []
    if details.bic:
        try:
            bic = BIC(details.bic)
        except SchwiftyException as exc:
            findings.append(
                _warning(
                    "bic_invalid",
                    f"Le BIC « {details.bic} » est invalide ({exc}) : corrigez-le d'après le RIB reçu.",
                    f"The BIC '{details.bic}' is invalid ({exc}): correct it from the received RIB.",
                )
            )
    for check in ALL_CHECKS:
        findings.extend(check(details, iban, bic, account, records))
    return findings


# --- BIC and bank -------------------------------------------------------------


def check_bic_country(details: BankDetails, iban: IBAN, bic: BIC | None, account: Account, previous: Sequence[IbanRecord]) -> list[BankWarning]:
    """``bic_country`` (DANGER): a BIC of another country than the IBAN's is the mark of a pasted-together RIB."""
    if bic is None or _same_country(iban.country_code, bic.country_code):
        return []
    return [
        _warning(
            "bic_country",
            f"Le BIC {bic} est celui d'une banque de {bic.country_code}, alors que l'IBAN {mask_iban(iban.compact)} est "
            f"de {iban.country_code} : ces coordonnées ne vont pas ensemble. Faites confirmer le RIB par le "
            "client (téléphone connu) avant tout paiement.",
            f"The BIC {bic} belongs to a bank in {bic.country_code}, while the IBAN {mask_iban(iban.compact)} is from "
            f"{iban.country_code}: these details do not belong together. Have the client confirm the RIB "
            "(known phone number) before any payment.",
        )
    ]


def check_bic_bank(details: BankDetails, iban: IBAN, bic: BIC | None, account: Account, previous: Sequence[IbanRecord]) -> list[BankWarning]:
    """``bic_bank`` (WARNING): the registry knows both the BIC and the IBAN's bank code, at different banks.

    Silent when the registry knows either of them not, and when the
    countries differ (``bic_country`` already said it).
    """
    if bic is None or not _same_country(iban.country_code, bic.country_code):
        return []
    bank_code = _bank_code(iban)
    codes = _bic_bank_codes(bic)
    registry_bic = _iban_bic(iban)
    if not bank_code or (not codes and registry_bic is None):
        return []
    # Same institution (first 4 letters) and country: branch BICs of one bank all agree with it.
    if bank_code in codes or (registry_bic is not None and str(registry_bic)[:6] == str(bic)[:6]):
        return []
    bic_bank = _first(_bic_names(bic)) or str(bic)
    iban_bank = _first(_iban_names(iban)) or f"code banque {bank_code}"
    return [
        _warning(
            "bic_bank",
            f"Le BIC {bic} ({bic_bank}) n'est pas celui de la banque de l'IBAN {mask_iban(iban.compact)} ({iban_bank}) : "
            "vérifiez le BIC sur le RIB et, s'il y est bien, faites confirmer le RIB par le client.",
            f"The BIC {bic} ({bic_bank}) is not the one of the IBAN {mask_iban(iban.compact)}'s bank ({iban_bank}): "
            "check the BIC on the RIB and, if it is printed there, have the client confirm the RIB.",
        )
    ]


def check_bank_name(details: BankDetails, iban: IBAN, bic: BIC | None, account: Account, previous: Sequence[IbanRecord]) -> list[BankWarning]:
    """``bank_name`` (WARNING): the domiciliation on the RIB names another bank than the IBAN's.

    A forged RIB often keeps the real bank's header and changes the IBAN; the
    registry then names another bank. Abbreviations ("SG", "LCL"), branch
    names and the registry's truncations ("CAISS REGIO CREDI AGRIC") match.
    Silent when the registry has no name or the RIB prints none.
    """
    if not details.bank:
        return []
    names = _iban_names(iban) + (_bic_names(bic) if bic is not None else [])
    if not names or any(bank_names_match(details.bank, name) for name in names):
        return []
    return [
        _warning(
            "bank_name",
            f"La domiciliation du RIB (« {details.bank} ») ne correspond pas à la banque de l'IBAN "
            f"{mask_iban(iban.compact)} ({names[0]}) : un RIB modifié garde souvent l'en-tête de la vraie banque. "
            "Faites confirmer l'IBAN par le client (téléphone connu) avant tout paiement.",
            f"The RIB's domiciliation ('{details.bank}') does not match the bank of the IBAN {mask_iban(iban.compact)} "
            f"({names[0]}): an altered RIB often keeps the real bank's header. Have the client confirm the "
            "IBAN (known phone number) before any payment.",
        )
    ]


def bank_names_match(printed: str, registry: str) -> bool:
    """True when the RIB's domiciliation and a registry bank name can be the same bank."""
    printed_words = _bank_words(printed)
    registry_words = _bank_words(registry)
    if not printed_words or not registry_words:
        # Only generic words ("BANQUE"): compare the whole names rather than guess.
        return _normalise(printed) == _normalise(registry)
    return any(_token_alike(a, b, prefix=True) for a in printed_words for b in registry_words)


# --- holder -------------------------------------------------------------------


def check_holder(details: BankDetails, iban: IBAN, bic: BIC | None, account: Account, previous: Sequence[IbanRecord]) -> list[BankWarning]:
    """``holder_missing`` (INFO), ``holder_partial`` (WARNING), ``holder_mismatch`` (DANGER)."""
    title = account.title
    if not details.holder or not name_words(details.holder):
        return [
            _warning(
                "holder_missing",
                f"Le titulaire n'a pas été lu sur le RIB : la fiche IBAN reprend l'intitulé du compte "
                f"{account.number} (« {title} »). Vérifiez le nom sur le document.",
                f"The holder was not read on the RIB: the IBAN record takes the title of account "
                f"{account.number} ('{title}'). Check the name on the document.",
            )
        ]
    candidates = [title]
    if account.last_name:
        candidates.append(f"{account.first_name or ''} {account.last_name}")
    verdict = min((compare_holder(details.holder, c, legal_entity=account.legal_entity) for c in candidates), key=_RANK.__getitem__)
    if verdict == "same":
        return []
    if verdict == "partial":
        return [
            _warning(
                "holder_partial",
                f"Le titulaire du RIB (« {details.holder} ») ne correspond qu'en partie à l'intitulé du compte "
                f"{account.number} (« {title} ») : vérifiez qu'il s'agit bien du client avant d'utiliser ce RIB.",
                f"The RIB's holder ('{details.holder}') only partly matches the title of account "
                f"{account.number} ('{title}'): check it is the client before using this RIB.",
            )
        ]
    return [
        _warning(
            "holder_mismatch",
            f"Le titulaire du RIB (« {details.holder} ») n'est pas le client du compte {account.number} "
            f"(« {title} ») : ne payez pas sur ce RIB sans l'accord écrit du client, confirmé par un autre "
            "canal (téléphone connu).",
            f"The RIB's holder ('{details.holder}') is not the client of account {account.number} "
            f"('{title}'): do not pay to this RIB without the client's written consent, confirmed through "
            "another channel (known phone number).",
        )
    ]


#: Verdicts of :func:`compare_holder`, best first.
_RANK = {"same": 0, "partial": 1, "other": 2}


def compare_holder(holder: str, title: str, *, legal_entity: bool = False) -> str:
    """``same``, ``partial`` or ``other``: how the RIB's holder compares with an account's title.

    * ``same``: the same words once accents, case, civilities, company forms,
      hyphens and order are set aside;
    * ``partial``: one name is contained in the other (a couple's account, a
      maiden name, a missing first name), or equal up to typos or initials;
    * ``other``: no word in common; or, for a person, each side has a name the
      other lacks ("Pierre QUINTARD" on "QUINTARD Paul": a relative, not the
      client). Companies with a word in common are only ``partial``: trade
      names vary.
    """
    held, owned = name_words(holder), name_words(title)
    if not held or not owned:
        return "partial"
    if sorted(held) == sorted(owned):
        return "same"
    exact_held, fuzzy_held = _matches(held, owned)
    exact_owned, fuzzy_owned = _matches(owned, held)
    if not (exact_held or fuzzy_held):
        return "other"
    all_held = len(exact_held) + len(fuzzy_held) == len(held)
    all_owned = len(exact_owned) + len(fuzzy_owned) == len(owned)
    if all_held or all_owned:
        return "partial"
    return "partial" if legal_entity else "other"


def name_words(name: str) -> list[str]:
    """The words that identify a holder: upper case, no accents, no civilities or company forms."""
    words = _normalise(name).split()
    return [w for w in words if w not in CIVILITIES and w not in COMPANY_FORMS]


def _matches(words: list[str], others: list[str]) -> tuple[list[str], list[str]]:
    """``words`` found exactly in ``others``, and those found only as a typo or an initial."""
    exact = [w for w in words if w in others]
    fuzzy = [w for w in words if w not in others and any(_token_alike(w, o) for o in others)]
    return exact, fuzzy


def _token_alike(a: str, b: str, *, prefix: bool = False) -> bool:
    """Two name tokens that can be one: equal, an initial, a typo, or (``prefix``) an abbreviation."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
        return False
    if prefix and (a.startswith(b) or b.startswith(a)):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= TYPO_RATIO


# --- IBAN history -------------------------------------------------------------


def check_iban_history(details: BankDetails, iban: IBAN, bic: BIC | None, account: Account, previous: Sequence[IbanRecord]) -> list[BankWarning]:
    """``iban_changed`` (DANGER) or ``iban_known`` (INFO), against the account's newest record.

    A changed IBAN is the classic payment fraud (a fake e-mail "from the
    client" with new bank details): the host must show this warning, and have
    the change confirmed, before the record pays anyone.
    """
    if not previous:
        return []
    current = previous[-1]
    received = iban.compact
    if _compact(current.iban) == received:
        return [
            _warning(
                "iban_known",
                f"L'IBAN reçu est déjà l'IBAN actuel du compte {account.number}{_dated(current, 'fr')} : "
                "rien ne change.",
                f"The received IBAN already is the current IBAN of account {account.number}"
                f"{_dated(current, 'en')}: nothing changes.",
            )
        ]
    older = next((r for r in reversed(previous[:-1]) if _compact(r.iban) == received), None)
    again_fr = f" Il reprend un ancien IBAN du compte{_dated(older, 'fr')}." if older is not None else ""
    again_en = f" It is a former IBAN of the account{_dated(older, 'en')}." if older is not None else ""
    return [
        _warning(
            "iban_changed",
            f"L'IBAN reçu ({mask_iban(iban.compact)}) diffère de l'IBAN actuel du compte {account.number} "
            f"({mask_iban(current.iban)}{_dated(current, 'fr', bare=True)}) : vérifiez-le auprès du client par "
            f"un autre canal (téléphone connu) avant tout paiement.{again_fr}",
            f"The received IBAN ({mask_iban(iban.compact)}) differs from the current IBAN of account {account.number} "
            f"({mask_iban(current.iban)}{_dated(current, 'en', bare=True)}): check it with the client through "
            f"another channel (known phone number) before any payment.{again_en}",
        )
    ]


#: The checks in the order their findings are listed.
ALL_CHECKS: tuple[Check, ...] = (
    check_bic_country,
    check_bic_bank,
    check_bank_name,
    check_holder,
    check_iban_history,
)


# --- helpers ------------------------------------------------------------------


def _warning(code: str, text_fr: str, text_en: str) -> BankWarning:
    """A finding with the severity :data:`CHECKS` gives its code (one place to change it)."""
    return BankWarning(code=code, severity=CHECKS[code][0], text_fr=text_fr, text_en=text_en)


def _normalise(text: str) -> str:
    """Upper case ASCII words: accents dropped, hyphens, apostrophes and dots as spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    plain = _DOTTED.sub(_undotted, plain)
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


#: Letters written with dots: "S.C.I.", "E.U.R.L.", "J.B.".
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}[A-Z]?(?![A-Z])\.?")


def _undotted(match: re.Match[str]) -> str:
    """"S.C.I." → "SCI" when that spells a company form; initials ("J.B.") stay initials."""
    joined = match.group(0).replace(".", "")
    return f" {joined} " if joined in COMPANY_FORMS else match.group(0)


def _bank_words(name: str) -> list[str]:
    """The words that tell one bank from another, aliases spelt out ("SG" → SOCIETE GENERALE)."""
    words: list[str] = []
    for word in _normalise(name).split():
        words.extend(BANK_ALIASES.get(word, word).split())
    return [w for w in words if w not in BANK_GENERIC and not w.isdigit()]


def _same_country(iban_country: str, bic_country: str) -> bool:
    return iban_country == bic_country or bic_country in SHARED_IBAN_COUNTRIES.get(iban_country, frozenset())


def _bank_code(iban: IBAN) -> str:
    try:
        return str(iban.bank_code or "")
    except ValueError:  # schwifty's SchwiftyException (imported lazily: see check_bank_details)
        return ""


def _iban_bic(iban: IBAN) -> BIC | None:
    try:
        return iban.bic
    except ValueError:  # schwifty's SchwiftyException (imported lazily: see check_bank_details)
        return None


def _bic_bank_codes(bic: BIC) -> list[str]:
    try:
        return [str(code) for code in bic.domestic_bank_codes]
    except ValueError:  # schwifty's SchwiftyException (imported lazily: see check_bank_details)
        return []


def _bic_names(bic: BIC) -> list[str]:
    """The registry's names of the BIC's bank (empty when it does not know the BIC)."""
    try:
        return list(dict.fromkeys([*bic.bank_names, *bic.bank_short_names]))
    except ValueError:  # schwifty's SchwiftyException (imported lazily: see check_bank_details)
        return []


def _iban_names(iban: IBAN) -> list[str]:
    """The registry's names of the IBAN's bank, then those of the bank of its registered BIC.

    The registry sometimes lists a small institution first under a big
    bank's code (30003 reads "Inter Europe Conseil SAS"); the BIC's names
    add the bank people know.
    """
    names: list[str] = []
    try:
        if iban.bank is not None:
            names += [n for n in (iban.bank_name, iban.bank_short_name) if n]
    except ValueError:  # schwifty's SchwiftyException (imported lazily: see check_bank_details)
        pass
    registry_bic = _iban_bic(iban)
    if registry_bic is not None:
        names += _bic_names(registry_bic)
    return list(dict.fromkeys(names))


def _first(names: list[str]) -> str | None:
    return names[0] if names else None


def _compact(iban: str) -> str:
    return re.sub(r"\s+", "", iban).upper()


def _dated(record: IbanRecord | None, lang: str, *, bare: bool = False) -> str:
    """", fiche du 12/03/2024" (or " (fiche du 12/03/2024)"), or nothing when the record has no date."""
    if record is None or record.created_at is None:
        return ""
    day = f"{record.created_at:%d/%m/%Y}"
    if bare:
        return f", fiche du {day}" if lang == "fr" else f", record of {day}"
    return f" (fiche du {day})" if lang == "fr" else f" (record of {day})"
