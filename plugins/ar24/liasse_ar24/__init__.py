"""AR24: registered electronic mail (LRE eIDAS, simple registered e-mail) for liasse.

Read in this order: :mod:`.settings`, :mod:`.signing` (AR24's request
signature and response encryption), :mod:`.client`, :mod:`.plugin` (the hook
implementations), :mod:`.sandbox`. AR24's API is public; where
``research/providers.md`` §1 could not confirm a detail, the choice made is
listed in ``plugins/ar24/README.md``.
"""
