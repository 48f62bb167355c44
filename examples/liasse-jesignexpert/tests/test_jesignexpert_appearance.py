"""JS-06: the office's signature image and logo, set in the plugin's settings, appear on the signed PDF.

"Ma signature personnelle", "Modifier l'image associée à votre cabinet":
the plugin sends both images to the user's Jesignexpert account before the
transaction, and the signed PDF carries the logo in every signature box and
the signature image in the boxes the office's own user signs.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import attrs
import pytest
import requests

from liasse.errors import FileRefused
from liasse.records import OutgoingDocument, ProviderContext, SignatureAuthentication, SignatureField, SignatureRequestDraft, SignerDraft

from conftest import USER, Office
from jse_helpers import Signer, make_pdf
from liasse_jesignexpert import plugin
from liasse_jesignexpert.sandbox import DEMO_LOGIN
from liasse_jesignexpert.settings import JesignexpertSettings

CLIENT_PHONE = "+33654559987"
USER_PHONE = "+33611223344"


def png(path: Path, colour: str, size: tuple[int, int] = (120, 60)) -> Path:
    from PIL import Image

    Image.new("RGB", size, colour).save(path, format="PNG")
    return path


def with_images(office: Office, **images: str) -> ProviderContext[JesignexpertSettings]:
    ctx = office.liasse.context("jesignexpert", USER)
    return attrs.evolve(ctx, settings=attrs.evolve(ctx.settings, **images))


def lettre(office: Office) -> SignatureRequestDraft:
    path = office.folder / "lettre.pdf"
    path.write_bytes(make_pdf(1))
    content = path.read_bytes()
    document = OutgoingDocument(path=path, file_name="lettre.pdf", media_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest())
    client = SignerDraft("Jacques", "MARTIN", "jacques.martin@free.fr", CLIENT_PHONE, SignatureAuthentication.OTP_SMS, (SignatureField(1, 60, 600, 200, 90),))
    # The office's user signs too (JS-03), with the account's e-mail: their box gets the office's signature image.
    me = SignerDraft("Jean", "FICHORGA", DEMO_LOGIN, USER_PHONE, SignatureAuthentication.OTP_SMS, (SignatureField(1, 320, 600, 200, 90),))
    return SignatureRequestDraft(name="Lettre de mission", documents=(document,), signers=(client, me))


def signed_images(office: Office, ctx: ProviderContext[JesignexpertSettings], key: str) -> list[bytes]:
    """Send, have both sign on the pages, fetch the signed PDF: the images drawn on its page."""
    from pypdf import PdfReader

    sent = plugin.liasse_request_signature(ctx, lettre(office), key)
    for email, phone in (("jacques.martin@free.fr", CLIENT_PHONE), (DEMO_LOGIN, USER_PHONE)):
        assert Signer(office.url, email, phone).sign_all_the_way().status_code == 200
    received = plugin.liasse_fetch_document(ctx, sent.remote_id, office.folder / "in")
    page = PdfReader(io.BytesIO(received.path.read_bytes())).pages[0]
    assert "Jacques MARTIN" in page.extract_text() and "Jean FICHORGA" in page.extract_text()
    return [image.data for image in page.images]


def test_js06_the_logo_and_signature_image_are_drawn_on_the_signed_pdf(office: Office) -> None:
    logo = png(office.folder / "logo.png", "navy")
    signature = png(office.folder / "signature.png", "white", (200, 40))
    ctx = with_images(office, logo=str(logo), signature_image=str(signature))
    images = signed_images(office, ctx, "k-appearance")
    assert len(images) >= 2, "the logo (in both boxes) and the user's signature image"
    uploads = requests.get(f"{office.url}/_sandbox/requests", params={"path": "/v1/me/appearance"}, timeout=5).json()
    assert [e["status"] for e in uploads] == [200], "sent to the account once, before the transaction"


def test_js06_without_images_the_boxes_carry_only_text(office: Office) -> None:
    assert signed_images(office, office.liasse.context("jesignexpert", USER), "k-plain") == []
    assert requests.get(f"{office.url}/_sandbox/requests", params={"path": "/v1/me/appearance"}, timeout=5).json() == []


@pytest.mark.parametrize(("content", "words"), [(None, "introuvable"), (b"GIF89a not taken", "PNG ou un JPEG")])
def test_js06_a_wrong_image_setting_is_refused_before_any_call(office: Office, content: bytes | None, words: str) -> None:
    path = office.folder / "logo.gif"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FileRefused) as caught:
        plugin.liasse_request_signature(with_images(office, logo=str(path)), lettre(office), "k-wrong-logo")
    assert words in caught.value.message("fr") and "[providers.jesignexpert]" in caught.value.message("fr")
    assert requests.get(f"{office.url}/_sandbox/requests", params={"path": "/v1/"}, timeout=5).json() == []
