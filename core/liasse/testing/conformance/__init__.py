"""Conformance suites a provider plugin runs against its own sandbox (FW-05).

Subclass the suite of your capability and name your provider; the sandbox is
the one your plugin declares (``ProviderInfo.sandbox``) and the fixtures come
from liasse's pytest plugin (installed with ``liasse[test]``)::

    from liasse.testing.conformance import SignatureConformance

    class TestMySignature(SignatureConformance):
        provider = "mysignature"

Every suite runs :class:`ProviderConformance` (declaration, access, wrong
credentials, provider down, secrets out of logs) and then its capability's
checks: every hook answers, statuses follow the capability's state machine,
errors are liasse's with French and English sentences, uploads stream,
retries after a dropped answer leave one item at the provider.
"""

from liasse.testing.conformance.exchange import ExchangeConformance
from liasse.testing.conformance.provider import ProviderConformance
from liasse.testing.conformance.registered import RegisteredMailConformance
from liasse.testing.conformance.share import ShareConformance
from liasse.testing.conformance.signature import SignatureConformance

__all__ = [
    "ExchangeConformance",
    "ProviderConformance",
    "RegisteredMailConformance",
    "ShareConformance",
    "SignatureConformance",
]
