"""FW-05: every built-in provider passes the conformance suite of its capability against its sandbox."""

from __future__ import annotations

from liasse.testing.conformance import ExchangeConformance, ProviderConformance, SignatureConformance


class TestDocSecureConformance(ExchangeConformance):
    provider = "docsecure"


class TestESignConformance(SignatureConformance):
    provider = "esign"


class TestAR24Conformance(ProviderConformance):
    provider = "ar24"


class TestJurisZoneConformance(ProviderConformance):
    provider = "juriszone"
