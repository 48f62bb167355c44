"""DocSecure: secure document exchange with two-factor authentication of the contact.

Read in this order, like the provider's manual: :mod:`.settings`,
:mod:`.client`, :mod:`.plugin` (the hook implementations), :mod:`.sandbox`.
DocSecure publishes no API; the REST API the client speaks is liasse's own
assumption, documented in ``plugins/docsecure/README.md``.
"""
