"""Jesignexpert: electronic signature of stored PDFs for liasse hosts (JS-01 … JS-06).

Jesignexpert is the ECMA's signature service for chartered accountants; its
trust provider is Universign. Read in this order, like the provider's manual:
:mod:`.settings`, :mod:`.client`, :mod:`.plugin` (the hook implementations),
:mod:`.sandbox`. Jesignexpert publishes no API: the client follows
Universign's public REST API where it is known, and ``README.md`` lists every
assumption made where it is not.
"""
