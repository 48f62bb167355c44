"""Generated RIBs for the bank-details reading tests and benchmark (DS-26, BY-06).

Each :class:`RibCase` is one document and the table of fields it must give.
Layouts follow what real banks print: labels above or under the values, the
label on the value's line, the IBAN grouped by four or wrapped over two lines,
the RIB printed two or three times on a page (the detachable strips of a
chequebook RIB), a letter-spaced or grouped BIC, ten different holder labels.
Photos are the same page drawn with Pillow, then skewed, turned, blurred,
speckled and saved as JPEG. Every person and company is fictitious; the IBANs
are valid (RIB key and check digits computed by schwifty) on real bank codes.
"""

from __future__ import annotations

import io
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from schwifty import IBAN

#: The ten holder labels of BY-06.
HOLDER_LABELS = (
    "Titulaire du compte",
    "Titulaire",
    "Nom du titulaire",
    "Intitulé du compte",
    "Account holder",
    "Bénéficiaire",
    "Au nom de",
    "Client",
    "Identité du titulaire",
    "Nom",
)
#: Fictitious holders.
HOLDERS = (
    "M. Jean-Baptiste Lavergne",
    "Mme Hélène Ferrand-Mouret",
    "SCI DES QUATRE VENTS",
    "M. ou Mme Paul Quintard",
    "SARL BOULANGERIE ROCHEFORT",
    "Mlle Agathe Delorme",
    "EURL ATELIER GRANDJEAN",
    "M. Théo Barraud",
    "Mme Inès Vautrin",
    "SAS LES VERGERS DU LOT",
    "M. Lucien Pelletier",
    "Mme Odile Charpentier",
)
ADDRESSES = ("12 rue des Lilas 75011 Paris", "4 allée des Tilleuls 69003 Lyon", "Lieu-dit Le Moulin 46100 Figeac")
#: (bank code, BIC as the bank prints it, domiciliation)
BANKS = (
    ("30004", "BNPAFRPPXXX", "BNP PARIBAS PARIS BASTILLE"),
    ("30003", "SOGEFRPP", "SG AGENCE LYON BELLECOUR"),
    ("30002", "CRLYFRPP", "LCL AGENCE NANTES COMMERCE"),
    ("20041", "PSSTFRPPPAR", "LA BANQUE POSTALE CENTRE FINANCIER DE PARIS"),
    ("10278", "CMCIFR2A", "CREDIT MUTUEL STRASBOURG ESPLANADE"),
    ("18206", "AGRIFRPP882", "CREDIT AGRICOLE ILE DE FRANCE"),
    ("13807", "CCBPFRPPNAN", "BANQUE POPULAIRE GRAND OUEST"),
    ("40618", "BOUSFRPPXXX", "BOURSOBANK"),
    ("30056", "CCFRFRPP", "HSBC CONTINENTAL EUROPE TOULOUSE"),
    ("11315", "CEPAFRPP131", "CAISSE D'EPARGNE CEPAC MARSEILLE"),
)
#: Layouts of text PDFs: where the labels are and how IBAN and BIC are printed.
LAYOUTS = ("classic", "labels_under", "inline", "wrapped", "copies2", "copies3", "spaced_bic", "grouped_bic")


@dataclass(frozen=True)
class RibCase:
    """One generated RIB and the fields it must give (``expected``)."""

    name: str
    layout: str
    holder_label: str
    holder: str
    address: str
    iban: str
    bic: str
    bank: str
    kind: str = "pdf"  # pdf (text), photo (JPEG), scan (PDF holding only an image)
    copies: int = 1
    #: Photos: degrees turned (small skew or a right angle), blur radius, noise amount.
    angle: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    #: A second IBAN printed on the other copy (a RIB whose copies disagree).
    other_iban: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> dict[str, str]:
        drawn = _drawable if self.kind != "pdf" else str
        return {
            "iban": self.iban,
            "bic": self.bic,
            "holder": drawn(self.holder),
            "bank": drawn(self.bank),
            "bank_code": self.iban[4:9],
            "branch_code": self.iban[9:14],
            "account_number": self.iban[14:25],
            "rib_key": self.iban[25:27],
        }

    @property
    def suffix(self) -> str:
        return ".jpg" if self.kind == "photo" else ".pdf"

    def write(self, directory: Path) -> Path:
        path = directory / f"{self.name}{self.suffix}"
        path.write_bytes(render(self))
        return path


FIELDS = ("iban", "bic", "holder", "bank", "bank_code", "branch_code", "account_number", "rib_key")


def an_iban(bank_code: str, n: int) -> str:
    """A valid French IBAN at ``bank_code``, account ``n`` (RIB key and check digits by schwifty)."""
    rng = random.Random(n)
    branch = f"{rng.randrange(1, 99999):05d}"
    account = f"{rng.randrange(10**9, 10**11):011d}"
    return IBAN.generate("FR", bank_code=bank_code, branch_code=branch, account_code=account).compact


def cases(kind: str = "pdf", *, per_layout: int = len(HOLDER_LABELS), seed: int = 0) -> list[RibCase]:
    """Every layout × ``per_layout`` holder labels, banks and holders varied; ``kind`` pdf, photo or scan."""
    out: list[RibCase] = []
    n = seed
    for layout in LAYOUTS:
        for k in range(per_layout):
            label = HOLDER_LABELS[(k + LAYOUTS.index(layout)) % len(HOLDER_LABELS)]
            bank_code, bic, bank = BANKS[n % len(BANKS)]
            copies = 3 if layout == "copies3" else 2 if layout == "copies2" else 1
            out.append(
                RibCase(
                    name=f"{kind}-{layout}-{k}",
                    layout=layout,
                    holder_label=label,
                    holder=HOLDERS[n % len(HOLDERS)],
                    address=ADDRESSES[n % len(ADDRESSES)],
                    iban=an_iban(bank_code, n),
                    bic=bic,
                    bank=bank,
                    kind=kind,
                    copies=copies,
                )
            )
            n += 1
    return out


def photo_cases(count: int, *, seed: int = 100) -> list[RibCase]:
    """``count`` photos over the layouts, skewed a few degrees or turned a right angle, blurred and speckled."""
    rng = random.Random(seed)
    base = cases("photo", per_layout=max(1, -(-count // len(LAYOUTS))), seed=seed)
    # Spread over layouts first.
    base.sort(key=lambda case: (int(case.name.rsplit("-", 1)[1]), LAYOUTS.index(case.layout)))
    out = []
    for i, case in enumerate(base[:count]):
        angle = (0, 90, 180, 270)[i % 4] if i % 3 == 2 else rng.uniform(-3.0, 3.0)
        out.append(replace(case, angle=angle, blur=rng.choice((0.0, 0.6, 1.0)), noise=rng.choice((0.02, 0.05, 0.08))))
    return out


def conflicting_case() -> RibCase:
    """A page with two copies of a RIB whose IBANs differ."""
    case = cases("pdf", per_layout=1)[LAYOUTS.index("copies2")]
    return replace(case, name="conflict", other_iban=an_iban("30003", 999))


# --- layout: a page as lines of (x in mm, text, size in pt, bold) ------------

Cell = tuple[float, str, float, bool]


def _grouped(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _bic_text(case: RibCase) -> str:
    if case.layout == "spaced_bic":
        return " ".join(case.bic)
    if case.layout == "grouped_bic":
        return " ".join(filter(None, (case.bic[:4], case.bic[4:6], case.bic[6:8], case.bic[8:])))
    return case.bic


def page_lines(case: RibCase) -> list[list[Cell]]:
    """The page, top to bottom; one entry a line (an empty list is a blank line)."""
    lines: list[list[Cell]] = [[(15, "RELEVÉ D'IDENTITÉ BANCAIRE", 15, True)], []]
    for copy in range(case.copies):
        iban = case.other_iban if (case.other_iban and copy == 1) else case.iban
        lines.extend(_copy_lines(case, iban))
        if copy < case.copies - 1:
            lines.extend([[], [(15, "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -", 8, False)], []])
    lines.extend([[], [(15, "Ce relevé est destiné à être remis à vos créanciers ou débiteurs.", 8, False)]])
    return lines


def _copy_lines(case: RibCase, iban: str) -> list[list[Cell]]:
    rib = (iban[4:9], iban[9:14], iban[14:25], iban[25:27])
    rib_labels = ("Code banque", "Code guichet", "N° de compte", "Clé RIB")
    columns = (15.0, 45.0, 75.0, 125.0)
    if case.layout == "labels_under":
        return [
            [(15, case.holder, 11, True)],
            [(15, case.holder_label, 7, False)],
            [(15, case.bank, 11, False)],
            [(15, "Domiciliation", 7, False)],
            [(x, v, 11, False) for x, v in zip(columns, rib, strict=True)],
            [(x, v, 7, False) for x, v in zip(columns, rib_labels, strict=True)],
            [(15, _grouped(iban), 11, False)],
            [(15, "IBAN", 7, False)],
            [(15, _bic_text(case), 11, False)],
            [(15, "BIC", 7, False)],
        ]
    if case.layout == "inline":
        return [
            [(15, f"{case.holder_label} : {case.holder}", 11, False)],
            [(15, case.address, 10, False)],
            [(15, f"Domiciliation : {case.bank}", 10, False)],
            [(15, f"IBAN : {_grouped(iban)}", 11, True)],
            [(15, f"BIC : {_bic_text(case)}", 11, True)],
        ]
    lines: list[list[Cell]] = [
        [(15, case.holder_label, 9, True)],
        [(15, case.holder, 11, False)],
        [(15, case.address, 10, False)],
        [],
        [(x, v, 8, True) for x, v in zip(columns, rib_labels, strict=True)],
        [(x, v, 11, False) for x, v in zip(columns, rib, strict=True)],
        [],
    ]
    if case.layout == "wrapped":
        grouped = _grouped(iban)
        lines += [
            [(15, "IBAN (Identifiant international de compte bancaire)", 9, True)],
            [(15, grouped[:19], 11, False)],
            [(15, grouped[20:], 11, False)],
        ]
    else:
        lines += [[(15, "IBAN", 9, True), (125, "BIC", 9, True)], [(15, _grouped(iban), 11, False), (125, _bic_text(case), 11, False)]]
    if case.layout == "wrapped":
        lines += [[(15, f"BIC : {_bic_text(case)}", 11, False)]]
    lines += [[], [(15, "Domiciliation", 9, True)], [(15, case.bank, 11, False)]]
    return lines


# --- rendering ---------------------------------------------------------------


def render(case: RibCase) -> bytes:
    if case.kind == "pdf":
        return text_pdf(case)
    image = photo(case)
    if case.kind == "scan":
        return scan_pdf(image)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def text_pdf(case: RibCase) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    y = 15.0
    for line in page_lines(case):
        height = max((size for _, _, size, _ in line), default=8) * 0.5
        for x, text, size, bold in line:
            pdf.set_font("Helvetica", "B" if bold else "", size)
            pdf.set_xy(x, y)
            pdf.cell(0, height, text)
        y += height + 1.5
    return bytes(pdf.output())


#: A font with accented letters for photos; without one, photos are drawn (and expected) without accents.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/Library/Fonts"))


def _font_file(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return next((d / name for d in _FONT_DIRS if (d / name).is_file()), None)


ACCENTS_DRAWN = _font_file(False) is not None


def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file(bold)
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)


def _drawable(text: str) -> str:
    if ACCENTS_DRAWN:
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


PHOTO_DPI = 200


def page_image(case: RibCase, dpi: int = PHOTO_DPI) -> Image.Image:
    """The page drawn at ``dpi`` (A4 width, as tall as the content)."""
    scale = dpi / 25.4
    lines = page_lines(case)
    height_mm = 30 + sum(max((s for _, _, s, _ in line), default=8) * 0.5 + 1.5 for line in lines)
    image = Image.new("L", (round(210 * scale), round(height_mm * scale)), 255)
    draw = ImageDraw.Draw(image)
    y = 15.0
    for line in lines:
        height = max((size for _, _, size, _ in line), default=8) * 0.5
        for x, text, size, bold in line:
            font = _font(round(size * dpi / 72), bold)
            draw.text((x * scale, y * scale), _drawable(text), fill=0, font=font)
        y += height + 1.5
    return image


def photo(case: RibCase) -> Image.Image:
    """The page as a phone would take it: turned, softened, uneven light, speckles."""
    rng = random.Random(case.name)
    image = page_image(case)
    if case.blur:
        image = image.filter(ImageFilter.GaussianBlur(case.blur))
    # Uneven light: a gradient darkening one side.
    shade = Image.linear_gradient("L").resize(image.size).point(lambda v: 255 - v // 5)
    image = Image.composite(image, Image.new("L", image.size, 0), shade)
    if case.noise:
        # Speckles over a tenth of ``noise`` of the page.
        uniform = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
        field_ = uniform.point(lambda v: 255 if v >= 256 * (1 - case.noise / 10) else 0)
        image = Image.composite(Image.new("L", image.size, rng.choice((40, 90))), image, field_)
    image = image.rotate(case.angle, expand=True, fillcolor=rng.randrange(150, 200), resample=Image.Resampling.BICUBIC)
    return image.convert("RGB")


def scan_pdf(image: Image.Image) -> bytes:
    """A PDF with no text: one page holding ``image``."""
    pdf = FPDF(unit="pt", format=(image.width * 72 / PHOTO_DPI, image.height * 72 / PHOTO_DPI))
    pdf.add_page()
    pdf.image(image, 0, 0, pdf.w, pdf.h)
    return bytes(pdf.output())


def no_bank_details_image() -> bytes:
    """A photo of a page with text and no bank details."""
    image = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(image)
    font = _font(28, False)
    for i, text in enumerate(
        ("FACTURE N° 2024-0117", "Atelier Grandjean, 8 impasse des Forges", "Réparation d'une chaudière", "Total TTC : 240,00 €")
    ):
        draw.text((80, 80 + 90 * i), text, fill=0, font=font)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def score(found: dict[str, str | None], expected: dict[str, str]) -> dict[str, bool]:
    """Per field: whether it was read right (spaces and case ignored for names)."""

    def norm(value: str | None) -> str:
        return " ".join((value or "").split()).casefold()

    return {name: norm(found.get(name)) == norm(expected[name]) for name in expected}


def accuracy(results: Iterator[dict[str, bool]] | list[dict[str, bool]]) -> dict[str, float]:
    results = list(results)
    return {name: sum(r[name] for r in results) / len(results) for name in FIELDS} if results else {}
