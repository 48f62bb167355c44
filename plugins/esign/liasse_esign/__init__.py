"""ESign: electronic signature through Yousign API v3.

Read in this order, like the provider's manual: :mod:`.settings`,
:mod:`.client`, :mod:`.plugin` (the hook implementations), :mod:`.sandbox`.
Yousign publishes its API (OpenAPI 3, "Public Api v3"), so the client and the
sandbox follow it field for field; ``plugins/esign/README.md`` says which part
is implemented so far.
"""
