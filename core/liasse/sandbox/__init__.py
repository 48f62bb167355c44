"""What every provider sandbox is built on.

A sandbox is a real HTTP server on loopback that behaves like its provider.
The kit gives each one the same three things so plugins do not write them
four times: a server that runs in a thread on a free port
(:mod:`~liasse.sandbox.server`), an outbox where the provider's e-mails and
SMS land (:mod:`~liasse.sandbox.outbox`), and faults on demand
(:mod:`~liasse.sandbox.faults`). Tests and the demo reach the outbox and the
faults over HTTP under ``/_sandbox/``, like any other client.
"""

from liasse.sandbox.kit import DemoAccount, Sandbox, load_sandbox
from liasse.sandbox.outbox import Message, Outbox
from liasse.sandbox.server import RunningSandbox, serve

__all__ = ["DemoAccount", "Message", "Outbox", "RunningSandbox", "Sandbox", "load_sandbox", "serve"]
