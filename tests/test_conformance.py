"""FW-05: every built-in provider passes the conformance suite of its capability against its sandbox."""

from __future__ import annotations

from liasse.secrets import Secret
from liasse.testing.conformance import (
    ExchangeConformance,
    RegisteredMailConformance,
    ShareConformance,
    SignatureConformance,
)


class TestDocSecureConformance(ExchangeConformance):
    provider = "docsecure"


class TestESignConformance(SignatureConformance):
    provider = "esign"


class TestAR24Conformance(RegisteredMailConformance):
    provider = "ar24"

    def otp(self, sandbox_url: str) -> Secret:
        """The demo sender's code, from the OTP key the AR24 sandbox gives its account (as a phone app would)."""
        from liasse_ar24.recipient import otp_code
        from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

        return Secret(otp_code(DEMO_OTP_KEY))


class TestJurisZoneConformance(ShareConformance):
    provider = "juriszone"
