"""Property tests (hypothesis): phone numbers, IBANs and RIBs, file names, over generated inputs.

Each property holds for every input hypothesis makes; the example counts
are bounded so the module runs in seconds, and ``deadline=None`` because
the CI machine's two cores are shared.
"""

from __future__ import annotations

import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from liasse_hostapi.records import Account, AccountKind, NewAttachment, OwnerKind, OwnerRef
from schwifty import IBAN

from liasse.errors import FileRefused, NotAMobile, PhoneInvalid
from liasse.files import check_outgoing, claimed_type
from liasse.http import HttpClient
from liasse.intake.checks import check_bank_details
from liasse.intake.reading import bank_details_in_text, read_rib_text
from liasse.masking import mask_iban, mask_ibans
from liasse.phones import normalise_mobile
from liasse.records import BankDetails, ProviderLimits
from liasse.sandbox import RunningSandbox
from liasse.sandbox.kit import Sandbox
from liasse.sandbox.server import serve

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# --- phone numbers (DS-03) -------------------------------------------------------------------

#: French mobiles: 06 and 07, then eight digits; phonenumbers decides which ranges exist.
french_mobiles = st.builds(lambda prefix, rest: f"{prefix}{rest:08d}", st.sampled_from(["6", "7"]), st.integers(0, 99_999_999)).filter(
    lambda national: phonenumbers.number_type(phonenumbers.parse("0" + national, "FR")) == phonenumbers.PhoneNumberType.MOBILE
)
#: French landlines: 01 to 05, then eight digits, kept when phonenumbers says it is a fixed line.
french_landlines = st.builds(lambda prefix, rest: f"{prefix}{rest:08d}", st.sampled_from("12345"), st.integers(0, 99_999_999)).filter(
    lambda national: phonenumbers.number_type(phonenumbers.parse("0" + national, "FR")) == phonenumbers.PhoneNumberType.FIXED_LINE
)
separators = st.sampled_from(["", " ", ".", "-", "/"])


def _typed(national: str, style: str, sep: str) -> str:
    """``national`` (9 digits after the trunk 0) as an office might type it."""
    pairs = [national[0]] + [national[i : i + 2] for i in range(1, 9, 2)]
    grouped = sep.join(pairs)
    return {
        "national": "0" + grouped,
        "plus": "+33 " + grouped,
        "plus-trunk": "+33 0" + grouped,
        "plus-paren": "+33 (0)" + grouped,
        "double-zero": "0033 " + grouped,
    }[style]


@FAST
@given(french_mobiles, st.sampled_from(["national", "plus", "plus-trunk", "plus-paren", "double-zero"]), separators, st.sampled_from(["", " ", "  "]))
def test_ds03_any_french_mobile_typed_any_way_normalises_to_its_e164(national: str, style: str, sep: str, pad: str) -> None:
    typed = pad + _typed(national, style, sep) + pad
    assert normalise_mobile(typed) == "+33" + national


@FAST
@given(french_landlines, st.sampled_from(["national", "plus", "double-zero"]), separators)
def test_ds03_a_french_landline_is_always_refused_as_not_a_mobile(national: str, style: str, sep: str) -> None:
    typed = _typed(national, style, sep)
    with pytest.raises(NotAMobile) as refused:
        normalise_mobile(typed)
    assert typed.strip() in refused.value.message("fr")


@FAST
@given(st.text(alphabet=st.sampled_from("0123456789+ ().-/abcx#*\u00a0"), max_size=24) | st.text(max_size=24))
@example("")
@example("+")
@example("00")
@example("(0)")
def test_ds03_any_text_is_a_valid_e164_mobile_or_a_phone_error_never_anything_else(typed: str) -> None:
    try:
        normalised = normalise_mobile(typed)
    except (PhoneInvalid, NotAMobile) as refused:
        assert refused.message("fr") and refused.message("en")
        return
    assert re.fullmatch(r"\+[1-9]\d{6,14}", normalised), normalised
    # Normalising is idempotent: the stored number reads back as itself.
    assert normalise_mobile(normalised) == normalised


# --- IBANs and French RIBs (DS-26, BY-02, BY-06) -----------------------------------------------

account_codes = st.text(alphabet=st.sampled_from("0123456789"), min_size=11, max_size=11) | st.text(
    alphabet=st.sampled_from("0123456789ABCDEFGHJKLMNPRSTUVWXYZ"), min_size=11, max_size=11
)
french_ibans = st.builds(
    lambda bank, branch, account: IBAN.generate("FR", bank_code=f"{bank:05d}", branch_code=f"{branch:05d}", account_code=account),
    st.integers(1, 99_999),
    st.integers(0, 99_999),
    account_codes,
)


@st.composite
def spelt(draw: st.DrawFn, iban: IBAN) -> str:
    """``iban`` as a RIB prints or a scan reads it: grouped by 4 or not, with up to two line breaks, any case."""
    compact = iban.compact
    grouping = draw(st.sampled_from(["fours", "none", "random"]))
    if grouping == "fours":
        parts = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    elif grouping == "none":
        parts = [compact]
    else:
        # Anywhere after the country code and check digits, which every RIB prints together.
        cuts = sorted(draw(st.sets(st.integers(4, len(compact) - 1), max_size=8)))
        parts = [compact[a:b] for a, b in zip([0, *cuts], [*cuts, len(compact)])]
    joints = [draw(st.sampled_from([" ", " ", "  ", "-", " \n", "\n"])) for _ in parts[1:]]
    # At most two line breaks inside an IBAN: a RIB wraps it once, OCR may split it twice.
    while sum("\n" in joint for joint in joints) > 2:
        joints[[i for i, joint in enumerate(joints) if "\n" in joint][0]] = " "
    text = parts[0] + "".join(joint + part for joint, part in zip(joints, parts[1:]))
    return text.lower() if draw(st.booleans()) else text


@FAST
@given(st.data(), french_ibans, st.sampled_from(["IBAN : ", "IBAN\n", "Identifiant international (IBAN) ", "IBAN/International Bank Account Number: "]))
def test_ds26_any_valid_french_iban_is_read_back_from_text_whatever_its_grouping_or_wrapping(
    data: st.DataObject, iban: IBAN, label: str
) -> None:
    text = f"RELEVÉ D'IDENTITÉ BANCAIRE\nTitulaire : M. JACQUES MARTIN\n{label}{data.draw(spelt(iban))}\nBIC : BNPAFRPPXXX\n"
    details = bank_details_in_text(text)
    assert details is not None, text
    assert details.iban == iban.compact


@FAST
@given(french_ibans)
def test_ds26_the_printed_french_rib_line_alone_gives_the_same_iban(iban: IBAN) -> None:
    bban = iban.bban
    line = f"{bban[:5]} {bban[5:10]} {bban[10:21]} {bban[21:23]}"
    fields = read_rib_text(f"Code banque Code guichet N° de compte Clé RIB\n{line}\n")
    assert fields is not None and fields.iban == iban.compact


def _with_wrong_key(iban: IBAN, key: int) -> str:
    """``iban`` with another RIB key, its ISO check digits recomputed: it passes mod 97, not the RIB key."""
    bban = str(iban.bban)
    wrong = f"{key:02d}"
    assume(wrong != bban[21:23])
    return str(IBAN.from_bban("FR", bban[:21] + wrong, allow_invalid=True))


@FAST
@given(french_ibans, st.integers(0, 99))
def test_by02_a_wrong_rib_key_is_always_caught(iban: IBAN, key: int) -> None:
    forged = _with_wrong_key(iban, key)
    # The reader finds no IBAN in it …
    assert bank_details_in_text(f"IBAN : {forged}\n") is None
    bban = iban.bban
    assert read_rib_text(f"{bban[:5]} {bban[5:10]} {bban[10:21]} {key:02d}\n") is None
    # … and the checks say so when a host hands it over typed.
    account = Account(number="2950", title="MARTIN JACQUES", kind=AccountKind.CLIENT)
    findings = check_bank_details(BankDetails(iban=forged), account, ())
    assert [finding.code for finding in findings] == ["iban_invalid"]


@FAST
@given(french_ibans, st.sampled_from(["fr", "en"]))
def test_s4_a_masked_iban_keeps_only_its_country_check_digits_and_last_four(iban: IBAN, lang: str) -> None:
    masked = mask_iban(iban.formatted)
    assert masked == f"{iban.compact[:4]} **** … {iban.compact[-4:]}"
    assert str(iban.bban)[:-4] not in masked
    sentence = f"L'IBAN reçu ({iban.formatted}) diffère de l'IBAN actuel ({iban.compact})."
    hidden = mask_ibans(sentence)
    assert iban.compact not in hidden and iban.formatted not in hidden and str(iban.bban) not in hidden
    assert hidden.count(masked) == 2
    assert iban.compact not in repr(BankDetails(iban=iban.compact))


# --- file names (S1) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def file_server() -> Iterator[RunningSandbox]:
    """A loopback server that answers a download with the Content-Disposition the test asks for."""
    from flask import Response, request

    sandbox = Sandbox("names", "Names")

    @sandbox.app.get("/file")
    def file() -> Response:
        response = Response(b"%PDF-1.4 contenu", mimetype="application/pdf")
        response.headers["Content-Disposition"] = request.args["cd"]
        return response

    server = serve(sandbox)
    yield server
    server.stop()


#: Names a sender may give: anything, and the classic attacks.
hostile_names = st.text(min_size=1, max_size=80) | st.sampled_from(
    ["../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "C:\\Windows\\x.pdf", "a/../../b.pdf", "facture.pdf\x00.exe",
     "\u202egpj.exe", ".bashrc", "~/.ssh/id_rsa", "con.pdf", "  .pdf", "%2e%2e%2fx"]
)  # fmt: skip


def _dispositions(name: str) -> list[str]:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return [
        f"attachment; filename*=UTF-8''{urllib.parse.quote(name, safe='')}",
        f'attachment; filename="{quoted}"' if name.isascii() and name.isprintable() else "attachment",
    ]


@SLOW
@given(name=hostile_names)
def test_s1_a_downloaded_file_is_stored_under_a_generated_name_never_the_senders(file_server: RunningSandbox, name: str) -> None:
    client = HttpClient("Names", file_server.url)
    try:
        with tempfile.TemporaryDirectory() as directory:
            dest = Path(directory)
            for disposition in _dispositions(name):
                got = client.download(f"/file?cd={urllib.parse.quote(disposition, safe='')}", dest, max_bytes=1024)
                assert got.path.parent == dest and re.fullmatch(r"[0-9a-f]{32}", got.path.name)
                assert got.path.read_bytes() == b"%PDF-1.4 contenu"
                # The name shown is reduced to safe characters, with no directory in it.
                # Letters of any alphabet stay (a "relevé" keeps its accent); no "/" and no directory step.
                assert re.fullmatch(r"[\w. -]*", got.file_name) and got.file_name.strip(". ") != ""
                assert len(got.file_name) <= 200
    finally:
        client.close()


@SLOW
@given(name=hostile_names)
@example(name="..")
def test_s1_a_downloaded_files_shown_name_is_never_a_directory_step(file_server: RunningSandbox, name: str) -> None:
    client = HttpClient("Names", file_server.url)
    try:
        with tempfile.TemporaryDirectory() as directory:
            for disposition in _dispositions(name):
                got = client.download(f"/file?cd={urllib.parse.quote(disposition, safe='')}", Path(directory), max_bytes=1024)
                assert got.file_name not in (".", "..")
    finally:
        client.close()


def test_s1_an_attachment_is_stored_under_a_generated_name_whatever_its_file_name(tmp_path: Path) -> None:
    from liasse.app import open_host
    from liasse.demo import DEMO_HOST_FACTORY

    host = open_host(DEMO_HOST_FACTORY, tmp_path / "host.sqlite3")
    source = tmp_path / "source.pdf"
    source.write_bytes(b"%PDF-1.4 contenu")
    files_before = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}

    @SLOW
    @given(name=hostile_names)
    def stored(name: str) -> None:
        attachment = host.attachments.add(
            NewAttachment(owner=OwnerRef(OwnerKind.ACCOUNT, "2950"), file_name=name, title="t", media_type="application/pdf", origin="Ajouté"),
            source,
        )
        assert attachment.file_name == name  # kept as metadata, shown to users
        with host.attachments.open(attachment.id) as stream:
            assert stream.read() == b"%PDF-1.4 contenu"

    try:
        stored()
        new_files = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()} - files_before
        # Every stored content has a 32-hex name inside the host's folder: nothing of the sender's name.
        contents = [p for p in new_files if not p.name.startswith("host.sqlite3")]
        assert contents and all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in contents)
        assert all(tmp_path.resolve() in p.parents for p in new_files)
    finally:
        close = getattr(host, "close", None)
        if callable(close):
            close()


LIMITS = ProviderLimits(max_file_size=1024 * 1024, media_types=frozenset({"application/pdf", "image/jpeg", "image/png"}))


def test_s1_any_name_claims_a_type_and_a_disguised_program_is_refused_whatever_its_name(tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200)
    pdf = tmp_path / "document"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    @FAST
    @given(stem=st.text(min_size=1, max_size=40), suffix=st.sampled_from([".pdf", ".PDF", ".jpg", ".png", ".pdf.exe", ".exe", "", ".docx"]))
    def checked(stem: str, suffix: str) -> None:
        name = stem + suffix
        assert "/" in claimed_type(name)
        with pytest.raises(FileRefused):
            check_outgoing(program, LIMITS, "DocSecure", file_name=name)
        try:
            accepted = check_outgoing(pdf, LIMITS, "DocSecure", file_name=name)
        except FileRefused as refused:
            assert refused.message("fr") and name in refused.message("fr")
        else:
            assert accepted.media_type == "application/pdf" and accepted.file_name == name

    checked()



@FAST
@given(name=hostile_names | st.text(alphabet=st.sampled_from("ab./\\\x00%0\u202e\u200b \n"), max_size=12))
@example(name="..")
@example(name="a/..")
@example(name="%00")
def test_s1_a_name_with_a_path_or_hidden_characters_is_always_refused(name: str) -> None:
    import unicodedata

    from liasse.files import MAX_NAME_LENGTH, name_problem

    problem = name_problem(name)
    traversal = "/" in name or "\\" in name or name in (".", "..")
    hidden = any(unicodedata.category(c) in ("Cc", "Cf") for c in name) or "\x00" in name or "%00" in name
    if traversal or hidden or not name.strip() or len(name) > MAX_NAME_LENGTH:
        assert problem is not None
        fr, en = problem
        assert fr and en
    else:
        assert problem is None


@FAST
@given(name=hostile_names)
@example(name="RIB\u202efdp.exe")
@example(name='a";filename=evil.exe')
def test_s1_a_served_content_disposition_carries_a_bare_safe_name_whatever_the_senders(name: str) -> None:
    from email.message import Message

    from liasse.disposition import content_disposition

    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    message = Message()
    message["Content-Disposition"] = header
    read = message.get_filename()
    assert read and "/" not in read and "\\" not in read and "\x00" not in read
    assert not any(ord(c) < 32 or c in "\u202e\u200b" for c in read)
    assert message.get_param("filename", header="content-disposition") not in (None, "", ".", "..")


@FAST
@given(name=hostile_names)
@example(name="a/..")
def test_s1_a_served_filename_star_is_never_a_directory_step(name: str) -> None:
    from urllib.parse import unquote

    from liasse.disposition import content_disposition

    star = content_disposition(name).split("filename*=UTF-8''", 1)[1]
    assert unquote(star) not in (".", "..")
