"""JurisZone: a shared zone of documents between an office and a file's parties.

Read in this order, like the provider's manual: :mod:`.settings` (the
entity key and API key from registration), :mod:`.client`, :mod:`.plugin`
(the hook implementations), :mod:`.sandbox`. JurisZone publishes no API; the
REST API the client speaks is liasse's own assumption, documented in
``plugins/juriszone/README.md``.
"""
