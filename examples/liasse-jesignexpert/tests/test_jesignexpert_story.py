"""The Jesignexpert story end to end, through liasse's Python API against the sandbox (JS-01 … JS-05).

A user opens a stored file, places the signatures, types each signer, sends;
the file gets a version "en attente de signature"; each signer reads,
accepts, types the 4-digit SMS code and signs on the sandbox's pages; the
signed PDF, with the visible signatures where they were placed, is stored
as a new version of the file, and every signer gets it by e-mail.
"""

from __future__ import annotations

import pytest
import requests
from liasse_hostapi.records import OwnerKind, OwnerRef

from liasse.errors import CredentialsMissing
from liasse.secrets import Secret
from liasse.signing import Placement
from liasse.states import SignatureState

from conftest import USER, Office
from jse_helpers import ACCOUNT, Signer, make_pdf, pdf_text, store_file, text_positions
from liasse_jesignexpert.sandbox import DEMO_LOGIN, DEMO_PASSWORD

CLIENT = ("Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
BOTTOM = Placement(page=2, x_mm=20, y_mm=30, width_mm=70, height_mm=25)
BESIDE = Placement(page=2, x_mm=110, y_mm=30, width_mm=70, height_mm=25)


def test_js01_credentials_are_asked_at_first_use(office: Office) -> None:
    """No login stored: liasse says to connect; once connected, the access test names the account."""
    office.liasse.reset_credentials("jesignexpert", USER)
    with pytest.raises(CredentialsMissing) as caught:
        office.liasse.context("jesignexpert", USER)
    assert "Jesignexpert" in caught.value.message("fr") and "liasse connect jesignexpert" in caught.value.message("fr")
    office.liasse.connect("jesignexpert", USER, DEMO_LOGIN, Secret(DEMO_PASSWORD))
    report = office.liasse.check_access("jesignexpert", USER)
    assert report.ok and report.account == DEMO_LOGIN


def test_js02_to_js05_a_stored_file_signed_by_a_client_and_the_user(office: Office) -> None:
    """The whole story: two signers (the client and the user himself), two versions added to the file."""
    stored = store_file(office.liasse, office.folder, make_pdf(2))
    desk = office.desk()
    made = desk.create_from_attachment(stored.id)
    assert made.state is SignatureState.TO_SEND and made.event_id is None and made.source_attachment_id == stored.id
    first, last, email, mobile = CLIENT
    desk.add_signer(made.id, role="client", first_name=first, last_name=last, email=email, mobile=mobile, placements=[BOTTOM])
    user = office.liasse.host.office.user(USER)
    # JS-03: "Vous pouvez également vous mettre en tant que signataire".
    desk.add_signer(
        made.id, role="office", first_name=user.first_name, last_name=user.last_name, email=user.email,
        mobile="06 11 22 33 44", placements=[BESIDE],
    )

    sent = desk.send(made.id)
    assert sent.state is SignatureState.AWAITING and sent.remote_id
    versions = office.liasse.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, ACCOUNT))
    awaiting = [a for a in versions if a.id == sent.awaiting_attachment_id]
    assert awaiting and awaiting[0].original_id == stored.id, "JS-04: a second version of the file"
    assert "en attente de signature" in awaiting[0].title

    client = Signer(office.url, email, "+33654559987")
    me = Signer(office.url, user.email, "+33611223344")
    assert client.sign_all_the_way().status_code == 200
    assert desk.refresh(made.id).changed == (), "one signer of two: still awaiting"
    assert me.sign_all_the_way().status_code == 200
    codes = [m for m in client.outbox("+33654559987", "sms")]
    assert len(codes) == 1 and "code de signature" in str(codes[0]["body"])

    report = desk.refresh(made.id)
    assert report.archived == (made.id,)
    signed = desk.file(made.id)
    assert signed.state is SignatureState.SIGNED and signed.attachment_id is not None
    version = office.liasse.host.attachments.get(signed.attachment_id)
    assert version.original_id == stored.id and version.title.endswith("(signé)"), "JS-04: the signed version"
    with office.liasse.host.attachments.open(version.id) as stream:
        content = stream.read()
    pages = pdf_text(content)
    assert "Jacques MARTIN" in pages[1] and f"{user.first_name} {user.last_name}" in pages[1]
    assert "Jacques MARTIN" not in pages[0], "signatures only where they were placed"
    assert "page 1/2" in pages[0] and "page 2/2" in pages[1], "the document's own text is kept"
    points = 72 / 25.4
    for box, name in ((BOTTOM, "Jacques MARTIN"), (BESIDE, f"{user.first_name} {user.last_name}")):
        (x, y), *_ = text_positions(content, 2, name)
        left, bottom = box.x_mm * points, box.y_mm * points
        assert left <= x <= left + box.width_mm * points, f"{name} is drawn inside its box (x)"
        assert bottom <= y <= bottom + box.height_mm * points, f"{name} is drawn inside its box (y)"
    for person in (client, me):
        links = person.signed_copy_links()
        assert links, f"JS-05: {person.email} gets the signed copy by e-mail"
        assert requests.get(links[0], timeout=5).content == content


def test_js02_to_js05_the_demo_story_runs_against_the_sandbox(office: Office) -> None:
    """``liasse demo`` tells Jesignexpert's story when the plugin is installed."""
    from liasse_jesignexpert.demo import story

    lines: list[str] = []
    assert story(office.liasse, office.url, USER, office.folder, lines.append), "\n".join(lines)
    assert any(line.startswith("  JS-04 2 - Signé") for line in lines), "\n".join(lines)
