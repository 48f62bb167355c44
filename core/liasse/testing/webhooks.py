"""An office that receives its provider's webhooks, for tests of a provider's webhook flow.

::

    with webhook_office(tmp_path, "docsecure", {"webhook_secrets": '["$file:secrets/docsecure_webhook"]'}) as office:
        # subscribe office.receiver.endpoint("docsecure") at the sandbox, write the secret file, then
        # drive the contact's side: the sandbox POSTs, the worker applies.

Everything is real: the provider's sandbox on loopback, liasse's receiver on
loopback (werkzeug), the worker thread that processes what it records.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import attrs

from liasse.app import Liasse, open_host
from liasse.demo import DEMO_HOST_FACTORY, DEMO_USER, start_sandboxes, write_office
from liasse.sandbox import RunningSandbox
from liasse.secrets import Secret
from liasse.webhooks.processing import WebhookWorker
from liasse.webhooks.receiver import RunningReceiver, WebhookReceiver, serve


@attrs.define
class WebhookOffice:
    """The opened office, its provider's sandbox, the served receiver and the worker."""

    liasse: Liasse
    sandbox: RunningSandbox
    receiver: RunningReceiver
    worker: WebhookWorker
    workdir: Path

    def write_secret(self, name: str, value: str) -> Path:
        """Put a secret where the office's ``$file:secrets/<name>`` reference finds it."""
        path = self.workdir / "secrets" / name
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        return path


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@contextlib.contextmanager
def webhook_office(
    workdir: Path,
    provider: str,
    provider_keys: Mapping[str, str] | None = None,
    *,
    port: int = 0,
    poll_every: float | None = None,
) -> Iterator[WebhookOffice]:
    """An office on ``provider``'s sandbox with ``provider_keys`` (TOML values) added to its table, receiving webhooks.

    ``poll_every`` turns on the worker's fallback sync (seconds).
    """
    discovery = Liasse.open(None)
    running = start_sandboxes(discovery, [provider])
    liasse: Liasse | None = None
    receiver: RunningReceiver | None = None
    worker: WebhookWorker | None = None
    try:
        config = write_office(workdir, running)
        lines = [f"{key} = {value}" for key, value in (provider_keys or {}).items()]
        text = config.read_text(encoding="utf-8").rstrip("\n")
        # The provider's table is the file's last: its keys follow it.
        config.write_text(text + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        liasse = Liasse.open(config, host=open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3"))
        account = running[provider].sandbox.user_account
        if liasse.provider(provider).credential_fields and account is not None:
            liasse.connect(provider, DEMO_USER, account.login, Secret(account.secret))
        worker = WebhookWorker(liasse, interval=0.5, poll_every=poll_every).start()
        receiver = serve(WebhookReceiver(liasse, on_accepted=lambda _receipt: worker.wake()), port=port)
        yield WebhookOffice(liasse, running[provider], receiver, worker, workdir)
    finally:
        if receiver is not None:
            receiver.stop()
        if worker is not None:
            worker.stop()
        for server in running.values():
            server.stop()
        if liasse is not None:
            liasse.close()
