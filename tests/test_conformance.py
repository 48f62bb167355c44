"""FW-05: every built-in provider passes the provider conformance suite against its sandbox."""

from __future__ import annotations

from liasse.testing.conformance import ProviderConformance


class TestDocSecureConformance(ProviderConformance):
    provider = "docsecure"


class TestESignConformance(ProviderConformance):
    provider = "esign"


class TestAR24Conformance(ProviderConformance):
    provider = "ar24"


class TestJurisZoneConformance(ProviderConformance):
    provider = "juriszone"
