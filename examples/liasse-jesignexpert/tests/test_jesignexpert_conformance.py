"""liasse's conformance suite, run on Jesignexpert against its sandbox (FW-05)."""

from __future__ import annotations

from liasse.testing.conformance import ProviderConformance


class TestConformance(ProviderConformance):
    """Every provider's checks: declaration, access test, wrong credentials, secrets kept out of logs."""

    provider = "jesignexpert"
