"""``liasse serve``: the reference host's screens, its sandboxes, the webhook endpoint and the status sync.

One call (:func:`run`) starts, on loopback, every installed provider's
sandbox, opens the demo office on them (as ``liasse demo`` does), starts
liasse's webhook worker with its fallback sync, subscribes the screens'
webhook endpoint at the sandboxes that take webhooks, and serves the web
application until Ctrl-C, which stops everything.
"""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import attrs
import requests
from werkzeug.serving import BaseWSGIServer, make_server

from liasse.app import Liasse, open_host
from liasse.demo import DEMO_HOST_FACTORY, DEMO_USER, start_sandboxes, write_office
from liasse.errors import LiasseError
from liasse.sandbox import RunningSandbox
from liasse.secrets import Secret
from liasse.webhooks.processing import WebhookWorker

Echo = Callable[[str], None]


class PortInUse(LiasseError):
    """``liasse serve --port N`` on a port another program holds."""

    fr = "Le port {port} de 127.0.0.1 est déjà utilisé par un autre programme : choisissez-en un autre avec --port (0 : un port libre)."
    en = "Port {port} on 127.0.0.1 is already in use by another program: choose another one with --port (0: a free one)."



@attrs.define
class ServedOffice:
    """Everything ``liasse serve`` runs: the office, its sandboxes, the worker and the web server."""

    liasse: Liasse
    sandboxes: dict[str, RunningSandbox]
    worker: WebhookWorker
    workdir: Path
    url: str
    _server: BaseWSGIServer | None = attrs.field(default=None, repr=False)
    _thread: threading.Thread | None = attrs.field(default=None, repr=False)

    def stop(self) -> None:
        """Stop the web server, the worker, the sandboxes, then close the office."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.worker.stop()
        for server in self.sandboxes.values():
            server.stop()
        self.liasse.close()


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _check_free(port: int) -> None:
    """Refuse a port in use before anything starts (werkzeug would print and exit instead)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise PortInUse(port=port) from exc


def _with_webhook_secrets(config: Path, providers: list[str]) -> None:
    """Add ``webhook_secrets`` (a ``$file:`` reference) to each subscribed provider's table."""
    lines = config.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    for line in lines:
        out.append(line)
        for name in providers:
            if line.strip() == f"[providers.{name}]":
                out.append(f'webhook_secrets = ["$file:secrets/{name}_webhook"]')
    config.write_text("\n".join(out) + "\n", encoding="utf-8")


#: ``subscribe(liasse, name, sandbox, endpoint)``: the subscription's secret, None when the sandbox has no account for it.
Subscriber = Callable[[Liasse, str, RunningSandbox, str], "str | None"]


def _subscribe_docsecure(liasse: Liasse, name: str, sandbox: RunningSandbox, endpoint: str) -> str | None:
    """DocSecure's API (README "Webhooks"): ``POST /api/v1/webhooks {"url", "signed"}`` answers the signing secret."""
    account = sandbox.sandbox.user_account
    if account is None:
        return None
    api = f"{sandbox.url}/api/v1/webhooks"
    answer = requests.post(api, json={"url": endpoint, "signed": True}, auth=(account.login, account.secret), timeout=10)
    answer.raise_for_status()
    return str(answer.json()["secret"])


def _subscribe_esign(liasse: Liasse, name: str, sandbox: RunningSandbox, endpoint: str) -> str | None:
    """ES-10: Yousign's ``POST /v3/webhooks {"endpoint"}`` with the office's API key answers the ``secret_key`` (shown once).

    Done over HTTP like DocSecure's, before ``webhook_secrets`` has a file
    to point at: the office's settings cannot be read until the secret exists.
    """
    key = sandbox.sandbox.demo_secrets.get("api_key")
    if key is None:
        return None
    answer = requests.post(
        f"{sandbox.url}{sandbox.sandbox.api_root}/webhooks",
        json={"endpoint": endpoint, "description": "liasse serve", "subscribed_events": ["*"]},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["secret_key"])


def _subscribe_juriszone(liasse: Liasse, name: str, sandbox: RunningSandbox, endpoint: str) -> str | None:
    """JZ-05 … JZ-08: JurisZone's ``POST /api/v1/webhooks {"url"}`` with the entity's keys answers the signing ``secret``."""
    keys = sandbox.sandbox.demo_secrets
    if "entity_key" not in keys or "api_key" not in keys:
        return None
    answer = requests.post(
        f"{sandbox.url}/api/v1/webhooks",
        json={"url": endpoint},
        headers={"X-JurisZone-Entity": keys["entity_key"], "Authorization": f"Bearer {keys['api_key']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["secret"])


#: Providers whose sandbox takes a webhook subscription through its API, and how to subscribe;
#: the answer's secret goes to ``secrets/<name>_webhook``, where ``webhook_secrets`` points.
_WEBHOOK_SUBSCRIPTIONS: dict[str, Subscriber] = {
    "docsecure": _subscribe_docsecure,
    "esign": _subscribe_esign,
    "juriszone": _subscribe_juriszone,
}


def _subscribe(liasse: Liasse, name: str, sandbox: RunningSandbox, endpoint: str, workdir: Path) -> None:
    """What the office's administrator does once: subscribe liasse's endpoint, keep the secret."""
    secret = _WEBHOOK_SUBSCRIPTIONS[name](liasse, name, sandbox, endpoint)
    if secret is None:
        return
    secret_file = workdir / "secrets" / f"{name}_webhook"
    secret_file.write_text(secret, encoding="utf-8")
    secret_file.chmod(0o600)


def start(port: int = 0, workdir: Path | None = None, *, poll_every: float = 10.0) -> ServedOffice:
    """Start the sandboxes, the office, the worker and the screens on ``127.0.0.1:port`` (0: a free one)."""
    from liasse_screens.app import create_app
    from liasse.webhooks.receiver import WebhookReceiver

    if port:
        _check_free(port)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="liasse-serve-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    discovery = Liasse.open(None)
    sandboxes = start_sandboxes(discovery, sorted(discovery.providers))
    liasse: Liasse | None = None
    worker: WebhookWorker | None = None
    try:
        config = write_office(workdir, sandboxes)
        subscribed = [name for name in _WEBHOOK_SUBSCRIPTIONS if name in sandboxes]
        _with_webhook_secrets(config, subscribed)
        liasse = Liasse.open(config, host=open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3"))
        for name, server in sandboxes.items():
            account = server.sandbox.user_account
            if liasse.provider(name).credential_fields and account is not None:
                liasse.connect(name, DEMO_USER, account.login, Secret(account.secret))
        # BY-04: notifications are applied seconds after they arrive; the sync every poll_every catches the rest.
        worker = WebhookWorker(liasse, interval=0.5, poll_every=poll_every or None).start()
        receiver = WebhookReceiver(liasse, on_accepted=lambda _receipt: worker.wake())  # type: ignore[union-attr]
        app = create_app(liasse, sandboxes, workdir)
        app.register_blueprint(receiver.blueprint())
        server = make_server("127.0.0.1", port, app, threaded=True)
        url = f"http://127.0.0.1:{port}"
        # Providers that take the webhook URL with each request (AR24's letters) read it here.
        app.config["LIASSE_SERVED_URL"] = url
        for name in subscribed:
            _subscribe(liasse, name, sandboxes[name], f"{url}/liasse/webhooks/{name}", workdir)
        thread = threading.Thread(target=server.serve_forever, name="liasse-serve", daemon=True)
        thread.start()
        return ServedOffice(liasse, sandboxes, worker, workdir, url, server, thread)
    except BaseException:
        if worker is not None:
            worker.stop()
        for running in sandboxes.values():
            running.stop()
        if liasse is not None:
            liasse.close()
        raise


def run(port: int, workdir: Path | None, echo: Echo, *, poll_every: float = 10.0) -> None:
    """``liasse serve``: start everything, print where, wait for Ctrl-C, stop everything."""
    served = start(port, workdir, poll_every=poll_every)
    try:
        echo(f"Étude de démonstration dans {served.workdir}")
        for name, sandbox in sorted(served.sandboxes.items()):
            echo(f"  bac à sable {name:<10} {sandbox.url}")
        echo(f"Écrans de l'étude : {served.url}/  (utilisateur {DEMO_USER})")
        echo("Ctrl-C pour arrêter / to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()
