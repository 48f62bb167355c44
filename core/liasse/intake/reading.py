"""Reading bank details from a received RIB (DS-26, BY-06).

Text PDFs are read from their text layer (pypdf); photos, scans and PDFs
without text go through tesseract (pytesseract, ``fra+eng``). Both paths end
in :func:`read_rib_text`, which works on plain text:

* the text is normalised first: no-break spaces, typographic quotes,
  letter-spaced words ("B N P A F R P P" → "BNPAFRPP");
* an IBAN is a country code and two check digits followed by as many letters
  and digits as that country's IBAN holds, spaces and line breaks skipped (a
  grouped or wrapped IBAN reads whole). Characters OCR confuses (O for 0 …)
  are fixed only where the format wants a digit, and only a candidate that
  schwifty validates, French RIB key included, is kept;
* a RIB printed two or three times on a page must give one IBAN: two valid
  IBANs that differ raise :class:`BankDetailsConflict`, never pick one. So
  does a French RIB line (bank, branch, account, key) that contradicts it;
* the BIC is taken after its label (grouped or letter-spaced), else anywhere
  when it belongs to the IBAN's country, else from schwifty's bank registry;
* the holder follows one of the labels banks use ("Titulaire du compte",
  "Intitulé du compte", "Account holder" …), on the same line, below or, for
  RIBs that print their labels under the values, above; the domiciliation
  likewise.

Nothing here raises for an unreadable file: the readers return None, and
:func:`read_rib` says why.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from schwifty import BIC, IBAN, registry
from schwifty.exceptions import SchwiftyException

from liasse.errors import BankDetailsConflict
from liasse.masking import mask_iban
from liasse.records import BankDetails

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

#: A RIB is one page; two cover a cover letter before it.
PAGES_READ = 2
#: Tesseract's languages: French labels, English ones on foreign banks' RIBs.
OCR_LANG = "fra+eng"
#: Images whose longer side is shorter than this are enlarged before OCR (small text reads badly).
OCR_MIN_SIDE = 2000
#: Larger ones are reduced: tesseract gains nothing past this and takes longer.
OCR_MAX_SIDE = 3600
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})


@attrs.frozen
class RibFields:
    """Everything read from one RIB; :meth:`details` is what the intake hook returns."""

    iban: str
    bic: str | None = None
    holder: str | None = None
    #: The domiciliation: the bank and branch as printed.
    bank: str | None = None
    #: French RIB: code banque, code guichet, numéro de compte, clé RIB (from the IBAN, checked against the printed line).
    bank_code: str | None = None
    branch_code: str | None = None
    account_number: str | None = None
    rib_key: str | None = None
    #: How many times the IBAN is printed (copies on one page agree, or this is not returned).
    copies: int = 1
    #: The BIC was not printed (or not readable) and comes from schwifty's registry.
    bic_from_registry: bool = False
    #: "text" (PDF text layer) or "ocr".
    method: str = "text"

    def details(self) -> BankDetails:
        return BankDetails(iban=self.iban, bic=self.bic, holder=self.holder, bank=self.bank)


@attrs.frozen
class RibReading:
    """A file's reading: the fields, or the reason there are none, in both languages."""

    fields: RibFields | None
    reason_fr: str | None = None
    reason_en: str | None = None


# --- public entry points -----------------------------------------------------


def read_rib(path: Path, media_type: str | None = None) -> RibReading:
    """The RIB in a PDF (text layer, else OCR of its images) or an image (OCR), or why nothing was read.

    Raises :class:`BankDetailsConflict` when copies or fields disagree.
    """
    kind = media_type or _media_type_of(path)
    if kind == "application/pdf":
        return _read_pdf(path, ocr=True)
    if kind in IMAGE_TYPES:
        try:
            from PIL import Image as PILImage

            with PILImage.open(path) as opened:
                opened.load()
                image = opened.copy()
        except (OSError, ValueError) as exc:
            return _nothing(f"l'image ne peut pas être ouverte ({exc})", f"the image cannot be opened ({exc})")
        return _read_image(image)
    return _nothing(f"aucune lecture possible d'un fichier {kind}", f"no reading of a {kind} file")


def bank_details_in_file(path: Path, media_type: str | None = None) -> BankDetails | None:
    """:func:`read_rib` as the intake hook wants it: the details, or None."""
    fields = read_rib(path, media_type).fields
    return fields.details() if fields else None


def bank_details_in_pdf(path: Path, *, ocr: bool = True) -> BankDetails | None:
    """The bank details of a PDF's first pages: its text, else (``ocr``) its embedded images through tesseract."""
    fields = _read_pdf(path, ocr=ocr).fields
    return fields.details() if fields else None


def bank_details_in_image(path: Path) -> BankDetails | None:
    """The bank details of a photo or scan (PNG, JPEG, TIFF) through tesseract; None when unreadable."""
    kind = _media_type_of(path)
    return bank_details_in_file(path, kind if kind in IMAGE_TYPES else "image/png")


def bank_details_in_text(text: str) -> BankDetails | None:
    """The bank details in ``text``; None when it holds no valid IBAN."""
    fields = read_rib_text(text)
    return fields.details() if fields else None


def read_rib_text(text: str, *, method: str = "text") -> RibFields | None:
    """Every field of the RIB in ``text`` (see the module docstring); None without a valid IBAN."""
    text = normalise(text)
    upper = text.upper()
    found = list(_ibans_in(upper))
    rib = _french_rib_in(upper)
    if not found:
        if rib is None:
            return None
        iban = _iban_from_rib(*rib)
        if iban is None:
            return None
        found = [(iban, -1)]
    distinct = list(dict.fromkeys(iban.compact for iban, _ in found))
    if len(distinct) > 1:
        raise BankDetailsConflict(
            where_fr="les exemplaires imprimés sur la page donnent des IBAN différents",
            where_en="the copies printed on the page give different IBANs",
            first=mask_iban(distinct[0]),
            second=mask_iban(distinct[1]),
        )
    iban = found[0][0]
    bank_code = branch_code = account_number = rib_key = None
    if iban.country_code == "FR" or iban.country_code in _FR_LIKE:
        bban = iban.bban
        bank_code, branch_code, account_number, rib_key = bban[:5], bban[5:10], bban[10:21], bban[21:23]
        if rib is not None and rib != (bank_code, branch_code, account_number, rib_key):
            raise BankDetailsConflict(
                where_fr="l'IBAN ne correspond pas au RIB imprimé (code banque, guichet, compte, clé)",
                where_en="the IBAN does not match the printed RIB (bank code, branch, account, key)",
                first=f"IBAN {mask_iban(iban.compact)}",
                # The account number is as sensitive as the IBAN it is part of: its last four digits only.
                second=f"RIB {rib[0]} {rib[1]} ****{rib[2][-4:]} {rib[3]}",
            )
    lines = [line.strip() for line in text.splitlines()]
    under = _labels_under_values(lines, iban.compact)
    bic, from_registry = _bic_for(upper, iban)
    return RibFields(
        iban=iban.compact,
        bic=bic,
        holder=_labelled(lines, _HOLDER_LABELS, under, _name_like),
        bank=_labelled(lines, _BANK_LABELS, under, _bank_like),
        bank_code=bank_code,
        branch_code=branch_code,
        account_number=account_number,
        rib_key=rib_key,
        copies=max(1, sum(1 for _, start in found if start >= 0)),
        bic_from_registry=from_registry,
        method=method,
    )


def ocr_available() -> bool:
    """Whether pytesseract is installed and finds the tesseract program."""
    return _tesseract() is not None


# --- normalisation -----------------------------------------------------------

_SPACES: dict[int, str | None] = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\t"), " ")
_SPACES.update({ord("\u2019"): "'", ord("\u2018"): "'", ord("\u00b4"): "'", ord("\u2013"): "-", ord("\u2014"): "-"})
_SPACES.update(dict.fromkeys(map(ord, "\u200b\u00ad\ufeff"), None))
#: Four or more single characters separated by single spaces: a letter-spaced word.
_SPACED = re.compile(r"(?<![^\s:])(?:[A-Za-z0-9] ){3,}[A-Za-z0-9](?![^\s,;])")


def normalise(text: str) -> str:
    """``text`` with unusual spaces made plain, quotes straightened and letter-spaced words joined."""
    text = unicodedata.normalize("NFC", text).translate(_SPACES).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACED.sub(lambda m: m.group(0).replace(" ", ""), line) for line in text.split("\n"))
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in lines)


def _fold(text: str) -> str:
    """Lower case without accents: how labels are compared (OCR loses accents)."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


# --- IBAN --------------------------------------------------------------------

#: Letters OCR reads where a digit is printed.
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6", "T": "7"})
#: Digits OCR reads where a letter is printed (BIC bank and country codes).
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_IBAN_START = re.compile(r"[A-Z]{2}[0-9OQDILZSBG]{2}")
#: Monaco's BBAN is French: same RIB fields.
_FR_LIKE = frozenset({"MC"})


@cache
def _spec(country: str) -> object | None:
    try:
        return registry.get_iban_spec(country)
    except (KeyError, SchwiftyException, ValueError):
        return None


@cache
def _numeric_positions(country: str) -> tuple[bool, ...]:
    """For each BBAN character, whether the country's format wants a digit there."""
    spec = _spec(country)
    flags: list[bool] = []
    for count, kind in re.findall(r"(\d+)!?([nac])", getattr(spec, "bban_spec", "")):
        flags.extend([kind == "n"] * int(count))
    return tuple(flags)


def _ibans_in(upper: str) -> Iterator[tuple[IBAN, int]]:
    """Every valid IBAN in ``upper`` with its start, grouping and line breaks skipped, OCR confusions fixed."""
    position = 0
    while True:
        match = _IBAN_START.search(upper, position)
        if match is None:
            return
        start = match.start()
        spec = _spec(upper[start : start + 2])
        if spec is None:
            position = start + 1
            continue
        length = getattr(spec, "iban_length", 0)
        raw, end = _collect(upper, start, length)
        found = _valid_iban(raw) if len(raw) == length else None
        if found is None:
            position = start + 1
            continue
        yield found, start
        position = end


def _collect(upper: str, start: int, length: int) -> tuple[str, int]:
    """Up to ``length`` letters and digits from ``start``, across spaces, at most two line breaks and OCR specks (``:`` ``'`` ``|`` …)."""
    chars: list[str] = []
    breaks = 0
    index = start
    while index < len(upper) and len(chars) < length:
        c = upper[index]
        if c.isascii() and c.isalnum():
            chars.append(c)
        elif c == "\n":
            breaks += 1
            if breaks > 2:
                break
        elif c not in " -.:,;'_|`":
            break
        index += 1
    return "".join(chars), index


def _valid_iban(raw: str) -> IBAN | None:
    """``raw`` as a valid IBAN, trying OCR fixes where the format wants digits; None if none validates."""
    country, check, bban = raw[:2], raw[2:4], raw[4:]
    numeric = _numeric_positions(country)
    fixed_check = check.translate(_TO_DIGIT)
    digits_fixed = "".join(c.translate(_TO_DIGIT) if i < len(numeric) and numeric[i] else c for i, c in enumerate(bban))
    candidates = [raw, country + fixed_check + bban, country + fixed_check + digits_fixed]
    # Alphanumeric account numbers are nearly always digits: last, all of the BBAN read as digits.
    candidates.append(country + fixed_check + bban.translate(_TO_DIGIT))
    for candidate in dict.fromkeys(candidates):
        try:
            return IBAN(candidate, validate_bban=True)
        except SchwiftyException:
            continue
    return None


# --- French RIB fields -------------------------------------------------------

_RIB_LINE = re.compile(r"(?<![0-9A-Z])(\d{5}) +(\d{5}) +([0-9A-Z]{11}) +(\d{2})(?![0-9A-Z])")
_RIB_LABELLED = {
    "bank": re.compile(r"CODE\s*(?:BANQUE|[EÉ]TABLISSEMENT)\s*:?\s*(\d{5})(?!\d)"),
    "branch": re.compile(r"CODE\s*GUICHET\s*:?\s*(\d{5})(?!\d)"),
    "account": re.compile(r"(?:N°|NO|NUM[EÉ]RO)\s*(?:DE\s*|DU\s*)?COMPTE\s*:?\s*([0-9A-Z]{11})(?![0-9A-Z])"),
    "key": re.compile(r"CL[EÉ]\s*(?:RIB)?\s*:?\s*(\d{2})(?!\d)"),
}


def _french_rib_in(upper: str) -> tuple[str, str, str, str] | None:
    """The first printed French RIB (bank, branch, account, key) whose key is right, or None."""
    candidates = [m.groups() for m in _RIB_LINE.finditer(upper)]
    labelled = {name: pattern.search(upper) for name, pattern in _RIB_LABELLED.items()}
    if all(labelled.values()):
        candidates.append(tuple(m.group(1) for m in labelled.values() if m))  # type: ignore[arg-type]
    for bank, branch, account, key in candidates:
        iban = _iban_from_rib(bank, branch, account, key)
        if iban is not None:
            return bank, branch, account, key
    return None


def _iban_from_rib(bank: str, branch: str, account: str, key: str) -> IBAN | None:
    try:
        iban = IBAN.generate("FR", bank_code=bank, branch_code=branch, account_code=account)
    except SchwiftyException:
        return None
    return iban if iban.bban[21:23] == key else None


# --- BIC ---------------------------------------------------------------------

_BIC_LABEL = re.compile(r"\b(?:BIC|SWIFT|CODE\s+BIC|BIC\s*/\s*SWIFT|SWIFT\s*/\s*BIC)\b\s*(?:\(?SWIFT\)?)?\s*:?\s*")
_BIC_WORD = re.compile(r"(?<![A-Z0-9])[A-Z0-9]{8}(?:[A-Z0-9]{3})?(?![A-Z0-9])")


def _bic_for(upper: str, iban: IBAN) -> tuple[str | None, bool]:
    """The printed BIC (after its label, else anywhere in the IBAN's country), else the registry's; and whether from the registry."""
    lines = upper.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    for match in _BIC_LABEL.finditer(upper):
        row = max(i for i, start in enumerate(starts) if start <= match.start())
        same = upper[match.end() : starts[row] + len(lines[row])]
        bic = _bic_in_tokens(re.findall(r"[A-Z0-9]+", same)[:4], iban, anywhere=False)
        if bic:
            return bic, False
        # A table: the value is on the line below the label (or above, on RIBs that print labels under values).
        below = next((i for i in range(row + 1, len(lines)) if lines[i].strip()), None)
        above = next((i for i in range(row - 1, -1, -1) if lines[i].strip()), None)
        for other in (below, above):
            if other is not None:
                tokens = re.findall(r"[A-Z0-9]+", _without_iban(lines[other], iban.compact))
                for first in range(len(tokens)):
                    bic = _bic_in_tokens(tokens[first : first + 4], iban, anywhere=False, same_country=True)
                    if bic:
                        return bic, False
    for match in _BIC_WORD.finditer(_without_iban(upper, iban.compact)):
        bic = _valid_bic(match.group(0), iban, anywhere=True)
        if bic:
            return bic, False
    return (str(iban.bic), True) if iban.bic is not None else (None, False)


def _without_iban(text: str, compact: str) -> str:
    """``text`` with the IBAN (grouped or not) blanked out, so its groups are not taken for a BIC."""
    return re.sub(r"[\s.-]*".join(map(re.escape, compact)), " ", text)


def _bic_in_tokens(tokens: Sequence[str], iban: IBAN, *, anywhere: bool, same_country: bool = False) -> str | None:
    """A valid BIC at the start of ``tokens``, joined when grouped or split by OCR ("BNPA FR PP XXX" → BNPAFRPPXXX).

    Tokens after the first join only when short (a group), so a word that
    follows the BIC is never read into it; the 11-character form is preferred.
    """
    if not tokens:
        return None
    joined = tokens[0]
    for token in tokens[1:]:
        if len(token) > 4 or len(joined) >= 11:
            break
        joined += token
    for length in (11, 8):
        if len(joined) >= length and (length == len(joined) or length == 11 or len(tokens[0]) <= 8):
            bic = _valid_bic(joined[:length], iban, anywhere=anywhere)
            if bic and (not same_country or bic[4:6] == iban.country_code):
                return bic
    return None


def _valid_bic(text: str, iban: IBAN, *, anywhere: bool = False) -> str | None:
    """``text`` as a BIC (OCR digits in the bank and country part read as letters), or None.

    Anywhere in the page, only a BIC of the IBAN's country that schwifty's
    registry knows is taken: words like MONTPELLIER are BIC-shaped.
    """
    if text.startswith(iban.compact[:4]):
        return None
    candidates = [text, text[:6].translate(_TO_LETTER) + text[6:]]
    for candidate in dict.fromkeys(candidates):
        if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", candidate):
            continue
        try:
            bic = BIC(candidate)
        except SchwiftyException:
            continue
        if anywhere and (bic.country_code != iban.country_code or not bic.exists):
            continue
        return str(bic)
    return None


# --- holder and domiciliation -----------------------------------------------

#: (label as folded text, strong): a weak label must stand alone or be followed by a colon.
_HOLDER_LABELS: tuple[tuple[str, bool], ...] = (
    ("identite du titulaire", True),
    ("nom du titulaire", True),
    ("titulaire du compte", True),
    ("intitule du compte", True),
    ("account holder name", True),
    ("account holder", True),
    ("account name", True),
    ("titulaire(s)", True),
    ("titulaire", True),
    ("intitule", False),
    ("beneficiaire", False),
    ("au nom de", True),
    ("client", False),
    ("holder", False),
    ("nom", False),
)
_BANK_LABELS: tuple[tuple[str, bool], ...] = (
    ("domiciliation bancaire", True),
    ("domiciliation", True),
    ("banque domiciliataire", True),
    ("bank name", True),
    ("agence", False),
    ("banque", False),
    ("bank", False),
    ("etablissement", False),
)
_ALL_LABELS = tuple(label for label, _ in _HOLDER_LABELS + _BANK_LABELS) + (
    "iban",
    "bic",
    "swift",
    "code banque",
    "code guichet",
    "cle rib",
    "cle",
    "n° de compte",
    "n° du compte",
    "numero de compte",
    "releve d'identite bancaire",
    "identifiant international",
    "adresse",
)


def _labelled(
    lines: Sequence[str], labels: Sequence[tuple[str, bool]], under: bool, accept: Callable[[str], bool]
) -> str | None:
    """The value of the first label found (labels in order of preference): same line, else the neighbour line."""
    folded = [_fold(line) for line in lines]
    claimed: set[int] = set()
    for label, strong in labels:
        for index, line in enumerate(folded):
            if index in claimed or not _starts_with_label(line, label):
                continue
            claimed.add(index)
            rest = lines[index][len(label) :]
            after = rest.lstrip()
            if after.startswith(":") or (strong and rest[:1] in (" ", "")) or not after:
                value = after.lstrip(":").strip(" -")
            else:
                continue
            if label == "nom" and _fold(value).startswith(("de la banque", "de l'agence", "banque", "et prenom du conseiller")):
                continue
            if value:
                if accept(value):
                    return _tidy(value)
                continue
            below = next((i for i in range(index + 1, len(lines)) if lines[i]), None)
            above = next((i for i in range(index - 1, -1, -1) if lines[i]), None)
            for other in (above, below) if under else (below, above):
                if other is not None and accept(lines[other]):
                    return _tidy(lines[other])
    return None


def _starts_with_label(folded: str, label: str) -> bool:
    """Whether the folded line starts with ``label``, forgiving one OCR slip in a label of eight letters or more."""
    if folded.startswith(label):
        return True
    if len(label) < 8 or len(folded) < len(label) - 1:
        return False
    head = folded[: len(label)]
    follows = folded[len(label) : len(label) + 1]
    return follows in ("", " ", ":") and difflib.SequenceMatcher(None, head, label).ratio() >= 0.85


def _is_label(text: str) -> bool:
    """Whether ``text`` is a label (or a row of them), not a value: "Banque :" is, "BANQUE POPULAIRE" is not."""
    folded = _fold(text).strip()
    return any(
        folded == label or folded.startswith((label + ":", label + " :")) or (" " in label and folded.startswith(label + " "))
        for label in _ALL_LABELS
    )


def _value_like(text: str) -> bool:
    compact = re.sub(r"\s", "", text.upper())
    return (
        bool(re.search(r"[A-Za-zÀ-ÿ]{2}", text))
        and not _is_label(text)
        and not re.match(r"[A-Z]{2}\d{2}", compact)
        and _RIB_LINE.search(text.upper()) is None
    )


def _name_like(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return _value_like(text) and digits <= 2 and len(text) <= 80


def _bank_like(text: str) -> bool:
    return _value_like(text) and len(text) <= 100


#: How OCR misreads French civilities at the start of a holder's name.
_CIVILITY = re.compile(r"^(?:Mile|MIle|Mlie|Mlte|Miie)\b|^(?:Mrne|Mrme|Mmc)\b")


def _tidy(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" :;,-|=_~.*")
    return _CIVILITY.sub(lambda m: "Mlle" if m.group(0).lower().startswith("mi") or "l" in m.group(0) else "Mme", value)


def _labels_under_values(lines: Sequence[str], iban: str) -> bool:
    """Whether this RIB prints its labels under the values: the IBAN label follows the line with the IBAN."""
    for index, line in enumerate(lines):
        if iban[:4] in line.upper().replace(" ", "") and iban[4:8] in line.upper().replace(" ", ""):
            if "IBAN" in line.upper():
                return False
            after = next((other for other in lines[index + 1 :] if other), "")
            before = next((other for other in reversed(lines[:index]) if other), "")
            return "IBAN" in after.upper() and "IBAN" not in before.upper()
    return False


# --- files and OCR -----------------------------------------------------------


def _nothing(reason_fr: str, reason_en: str) -> RibReading:
    log.info("no bank details read: %s", reason_en)
    return RibReading(None, reason_fr, reason_en)


def _media_type_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return {
        ".pdf": "application/pdf",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".tif": "image/tiff",
        ".tiff": "image/tiff",
    }.get(suffix, "application/octet-stream")


def _read_pdf(path: Path, *, ocr: bool) -> RibReading:
    """The RIB in a PDF's text layer, else (``ocr``) in its images; pypdf runs in the confined worker.

    Tesseract runs here, in the caller's process: it is a program of its
    own, and a scanned RIB may take it longer than the worker's time limit.
    """
    from liasse.errors import UnsafeDocument
    from liasse.intake.confined import run_confined

    try:
        text, problem = run_confined(_pdf_text, path, file_name=path.name)
    except UnsafeDocument as exc:
        return _nothing(str(exc.params["reason_fr"]), str(exc.params["reason_en"]))
    if problem is not None:
        return _nothing(*problem)
    fields = read_rib_text(text)
    if fields is not None:
        return RibReading(fields)
    if not ocr:
        return _nothing("aucun IBAN valide dans le texte du PDF", "no valid IBAN in the PDF's text")
    try:
        images: list[Image] = run_confined(_pdf_images, path, file_name=path.name)
    except UnsafeDocument as exc:
        log.info("images of %s not extracted: %s", path, exc)
        images = []
    if not images:
        return _nothing(
            "aucun IBAN valide dans le texte du PDF, et aucune image à lire",
            "no valid IBAN in the PDF's text, and no image to read",
        )
    last = _nothing("aucune image du PDF ne porte d'IBAN lisible", "no image of the PDF holds a readable IBAN")
    for image in images:
        reading = _read_image(image)
        if reading.fields is not None:
            return reading
        last = reading
    return last


def _pdf_text(path: Path) -> tuple[str, tuple[str, str] | None]:
    """In the confined worker: the text of the first pages, or why it cannot be read (French, English)."""
    from pypdf import apply_configuration

    from liasse.intake.pdf_limits import pdf_caps

    try:
        with apply_configuration(pdf_caps()):
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                return "", ("le PDF est chiffré", "the PDF is encrypted")
            pages = list(reader.pages[:PAGES_READ])
            return "\n".join(page.extract_text() or "" for page in pages), None
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, RecursionError, AttributeError) as exc:
        return "", (f"le PDF ne peut pas être lu ({exc})", f"the PDF cannot be read ({exc})")


def _pdf_images(path: Path) -> list[Image]:
    """In the confined worker: the images of the first pages, decoded under the caps (none when they cannot be)."""
    from pypdf import apply_configuration

    from liasse.intake.pdf_limits import pdf_caps

    images: list[Image] = []
    try:
        with apply_configuration(pdf_caps()):
            reader = PdfReader(path, strict=False)
            for page in reader.pages[:PAGES_READ]:
                images.extend(file.image for file in page.images if file.image is not None)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, NotImplementedError, RecursionError) as exc:
        log.info("images of %s not extracted: %s", path, exc)
    return images


@lru_cache(maxsize=1)
def _tesseract() -> tuple[object, str] | None:
    """(pytesseract, languages) or None, the reason logged once."""
    try:
        import pytesseract  # type: ignore[import-untyped]
    except ImportError:
        log.warning("bank details are not read from images: pytesseract is not installed")
        return None
    if shutil.which(getattr(pytesseract.pytesseract, "tesseract_cmd", "tesseract")) is None:
        log.warning("bank details are not read from images: the tesseract program is not installed")
        return None
    try:
        available = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # noqa: BLE001 — a broken tesseract must not break the import of a file
        log.warning("bank details are not read from images: tesseract does not answer (%s)", exc)
        return None
    langs = "+".join(lang for lang in OCR_LANG.split("+") if lang in available) or "eng"
    # Tesseract's OpenMP threads fight over the cores on one page: one thread reads a RIB 3 to 4 times faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return pytesseract, langs


def _prepare(image: Image) -> Image:
    """Grey, contrast stretched, sized for tesseract, speckles removed."""
    from PIL import ImageFilter, ImageOps

    image = ImageOps.exif_transpose(image) or image
    grey = ImageOps.grayscale(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    side = max(grey.size)
    if side < OCR_MIN_SIDE:
        factor = OCR_MIN_SIDE / side
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)), 3)
    elif side > OCR_MAX_SIDE:
        factor = OCR_MAX_SIDE / side
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)), 1)
    grey = grey.filter(ImageFilter.MedianFilter(3))
    return ImageOps.autocontrast(grey, cutoff=1)


def _read_image(image: Image) -> RibReading:
    """OCR ``image`` upright, then as tesseract's orientation detection says, then at the other right angles."""
    engine = _tesseract()
    if engine is None:
        return _nothing(
            "la lecture des images (OCR) n'est pas installée : tesseract manque",
            "reading images (OCR) is not installed: tesseract is missing",
        )
    pytesseract, langs = engine
    prepared = _prepare(image)
    tried: list[int] = []

    def attempt(angle: int, psm: int = 3) -> RibFields | None:
        tried.append(angle)
        turned = prepared.rotate(angle, expand=True, fillcolor=255) if angle else prepared
        text = pytesseract.image_to_string(turned, lang=langs, config=f"--psm {psm}")  # type: ignore[attr-defined]
        return read_rib_text(text, method="ocr")

    try:
        fields = attempt(0)
        if fields is None:
            for angle in (_osd_angle(pytesseract, prepared), 90, 270, 180):
                if angle is not None and angle not in tried:
                    fields = attempt(angle)
                    if fields is not None:
                        break
        if fields is not None and (fields.bic_from_registry or not fields.holder or not fields.bank):
            # Automatic layout misses some table rows and letter-spaced words; one uniform block reads them.
            second = attempt(tried[-1], psm=6)
            if second is not None and second.iban == fields.iban:
                fields = _merged(fields, second)
    except BankDetailsConflict:
        raise
    except Exception as exc:  # noqa: BLE001 — tesseract failing on one image must not break the import
        return _nothing(f"la lecture de l'image a échoué ({exc})", f"reading the image failed ({exc})")
    if fields is None:
        return _nothing("aucun IBAN lisible dans l'image", "no readable IBAN in the image")
    return RibReading(fields)


def _merged(first: RibFields, second: RibFields) -> RibFields:
    """``first`` with what it lacks taken from ``second`` (same IBAN, another OCR pass)."""
    bic, from_registry = first.bic, first.bic_from_registry
    if from_registry and second.bic and not second.bic_from_registry:
        bic, from_registry = second.bic, False
    return attrs.evolve(
        first,
        bic=bic,
        bic_from_registry=from_registry,
        holder=first.holder or second.holder,
        bank=first.bank or second.bank,
        copies=max(first.copies, second.copies),
    )


def _osd_angle(pytesseract: object, image: Image) -> int | None:
    """The counter-clockwise angle that makes ``image`` upright, per tesseract's OSD; None when it cannot tell."""
    try:
        osd = pytesseract.image_to_osd(image, output_type="dict", config="--psm 0")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 — too little text for OSD: the caller tries every angle
        return None
    rotate = int(osd.get("rotate", 0)) % 360
    # OSD's "rotate" is clockwise; PIL's rotate is counter-clockwise.
    return (360 - rotate) % 360 or None
