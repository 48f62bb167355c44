"""liasse's conformance suite, run on Jesignexpert against its sandbox (FW-05)."""

from __future__ import annotations

from liasse.testing.conformance import SignatureConformance


class TestConformance(SignatureConformance):
    """The signature capability's suite: every hook, statuses on the signature machine, errors, streamed uploads, safe retries, secrets."""

    provider = "jesignexpert"
