"""ESign "Tester l'accès au service" (ES-01): the plugin against its Yousign v3 sandbox over loopback HTTP.

No mocks: every test starts the sandbox on 127.0.0.1 and calls the plugin's
hook implementations with a context built as liasse builds it.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

import liasse.sandbox
from liasse.capabilities import Capability
from liasse.errors import AccessDenied, ProviderError, ProviderUnavailable
from liasse.http import HttpClient
from liasse.records import ProviderContext
from liasse.sandbox import RunningSandbox, load_sandbox
from liasse.secrets import Secret

from liasse_esign import plugin
from liasse_esign.client import ESignClient
from liasse_esign.sandbox import API_ROOT, DEMO_API_KEY, DEMO_ORGANIZATION, ESignState, create_sandbox
from liasse_esign.settings import ESignSettings

SPEC = Path(__file__).resolve().parents[3] / ".." / "shared" / "specs" / "yousign-v3-openapi.yml"
WRONG_KEY = "wrong-key-0123456789abcdef"


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    """A fresh Yousign sandbox on loopback, stopped after the test."""
    server = liasse.sandbox.serve(create_sandbox())
    yield server
    server.stop()


def context(base_url: str, key: str) -> ProviderContext[ESignSettings]:
    """The context liasse builds for ESign: office settings, transport bound to the API root."""
    return ProviderContext(
        provider="esign",
        settings=ESignSettings(base_url=base_url, api_key=Secret(key)),
        http=HttpClient("ESign", base_url),
        user_login="FICH",
        office_name="Groupe FICHORGA",
    )


@pytest.fixture
def ctx(running: RunningSandbox) -> Iterator[ProviderContext[ESignSettings]]:
    """A context with the demo office's API key."""
    built = context(running.url + API_ROOT, DEMO_API_KEY)
    yield built
    built.http.close()


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in French, the users' language, whatever the developer's environment says."""
    monkeypatch.delenv("LIASSE_LANG", raising=False)


# --- ES-01: the office's API key -----------------------------------------------


def test_es01_check_access_with_valid_key(ctx: ProviderContext[ESignSettings], running: RunningSandbox) -> None:
    """The demo key opens the office's organisation; the report names its default workspace."""
    report = plugin.liasse_check_access(ctx)
    assert report.ok
    assert report.account == DEMO_ORGANIZATION
    state: ESignState = running.sandbox.app.config["ESIGN_STATE"]
    workspace = state.organizations[DEMO_API_KEY].default_workspace()
    assert workspace is not None
    assert report.detail == f"espace de travail par défaut {workspace.id}, serveur 127.0.0.1"


def test_es01_wrong_key_is_refused_with_a_clear_message(running: RunningSandbox) -> None:
    """A wrong key is AccessDenied, and the sentence names ESign, the key and where to fix it."""
    wrong = context(running.url + API_ROOT, WRONG_KEY)
    with pytest.raises(AccessDenied) as caught:
        plugin.liasse_check_access(wrong)
    french = caught.value.message("fr")
    assert french.startswith("ESign refuse les clés de l'étude (api_key).")
    assert "[providers.esign] de liasse.toml" in french
    assert "ESign" in caught.value.message("en")
    wrong.http.close()


def test_es01_missing_key_is_refused_too(running: RunningSandbox) -> None:
    """An empty key (a settings reference to an empty variable) is refused before any call."""
    empty = context(running.url + API_ROOT, "")
    with pytest.raises(AccessDenied):
        plugin.liasse_check_access(empty)
    empty.http.close()


def test_es01_api_key_never_in_repr_or_error(
    ctx: ProviderContext[ESignSettings], running: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the good key nor a wrong one shows in reprs, error sentences or DEBUG logs."""
    caplog.set_level(logging.DEBUG)
    plugin.liasse_check_access(ctx)
    wrong = attrs.evolve(ctx, settings=attrs.evolve(ctx.settings, api_key=Secret(WRONG_KEY)))
    with pytest.raises(AccessDenied) as caught:
        plugin.liasse_check_access(wrong)
    texts = [
        repr(ctx),
        repr(ctx.settings),
        str(ctx.settings),
        repr(ESignClient(ctx)),
        repr(wrong),
        str(caught.value),
        repr(caught.value),
        caught.value.message("en"),
        caplog.text,
    ]
    for key in (DEMO_API_KEY, WRONG_KEY):
        for text in texts:
            assert key not in text


def test_es01_other_refusals_quote_yousign_detail(ctx: ProviderContext[ESignSettings], running: RunningSandbox) -> None:
    """A 4xx other than 401 is a ProviderError quoting Yousign's ``detail``, not a bare status."""
    state: ESignState = running.sandbox.app.config["ESIGN_STATE"]
    for workspace in state.organizations[DEMO_API_KEY].workspaces:
        workspace.default = False
    with pytest.raises(ProviderError) as caught:
        plugin.liasse_check_access(ctx)
    assert not isinstance(caught.value, AccessDenied | ProviderUnavailable)
    assert caught.value.message("fr") == (
        "ESign a refusé la demande : élément introuvable (GET /workspaces/default) : "
        "« Default workspace not found. ». Il a peut-être été supprimé dans Yousign."
    )


# --- transport ------------------------------------------------------------------


def test_sandbox_unavailable_gives_provider_unavailable() -> None:
    """Nothing listening on the port: ProviderUnavailable ("rien n'est perdu"), not a traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = context(f"http://127.0.0.1:{port}{API_ROOT}", DEMO_API_KEY)
    with pytest.raises(ProviderUnavailable) as caught:
        plugin.liasse_check_access(closed)
    assert "ESign ne répond pas" in caught.value.message("fr")
    closed.http.close()


def test_rate_limit_is_yousigns_429_with_retry_after() -> None:
    """Past the minute quota the sandbox answers Yousign's 429; the plugin reports the provider unavailable."""
    with liasse.sandbox.serve(create_sandbox(per_minute=2)) as server:
        ctx = context(server.url + API_ROOT, DEMO_API_KEY)
        plugin.liasse_check_access(ctx)
        plugin.liasse_check_access(ctx)
        with pytest.raises(ProviderUnavailable):
            plugin.liasse_check_access(ctx)
        ctx.http.close()
        raw = requests.get(
            f"{server.url}{API_ROOT}/workspaces/default", headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5
        )
    assert raw.status_code == 429
    assert raw.json() == {"message": "Too Many Requests, please try again later."}
    assert 0 < int(raw.headers["Retry-After"]) <= 60
    assert raw.headers["X-RateLimit-Remaining-Minute"] == "0"
    assert raw.headers["X-RateLimit-Remaining-Hour"] == "198"


# --- declaration and import weight ---------------------------------------------------


def test_provider_info_declares_an_office_key_and_pdf_limits() -> None:
    """Users type nothing (the key is the office's); documents are PDFs of 50 MB at most."""
    info = plugin.liasse_provider_info()
    assert info.title == "ESign"
    assert info.capabilities == frozenset({Capability.SIGNATURE})
    assert info.settings is ESignSettings
    assert info.credential_fields == ()
    assert info.limits is not None
    assert info.limits.media_types == frozenset({"application/pdf"})
    assert info.limits.max_file_size == 50 * 1024 * 1024
    sandbox = load_sandbox(info.sandbox)
    # `liasse demo` writes base_url = server URL + api_root and api_key from demo_secrets.
    assert sandbox.api_root == API_ROOT
    assert sandbox.demo_secrets == {"api_key": DEMO_API_KEY}


def test_plugin_module_imports_no_requests() -> None:
    """Discovery imports the plugin module; it must not pull in requests or flask."""
    code = (
        "import sys, liasse_esign.plugin\n"
        "heavy = sorted({'requests', 'flask', 'urllib3'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- faithfulness to Yousign's OpenAPI contract ---------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """Yousign's OpenAPI document, read from the shared specs next to the project."""
    if not SPEC.is_file():
        pytest.skip(f"Yousign's OpenAPI contract is not at {SPEC}; the faithfulness check needs it")
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed; the faithfulness check parses the OpenAPI YAML")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
    return document


def test_sandbox_follows_the_openapi_spec_for_workspaces_default(spec: dict[str, Any], running: RunningSandbox) -> None:
    """``GET /workspaces/default`` and its 401 answer carry what the spec requires, typed as it says."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"scheme": "bearer", "type": "http"}
    operation = spec["paths"]["/workspaces/default"]["get"]
    url = f"{running.url}{API_ROOT}/workspaces/default"

    ok = requests.get(url, headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5)
    assert ok.status_code == 200
    declared = operation["responses"]["200"]
    assert conformity(ok.json(), declared["content"]["application/json"]["schema"], spec, "200") == []
    assert set(declared["headers"]) <= set(ok.headers)

    refused = requests.get(url, headers={"Authorization": f"Bearer {WRONG_KEY}"}, timeout=5)
    assert refused.status_code == 401
    declared = operation["responses"]["401"]
    assert conformity(refused.json(), declared["content"]["application/json"]["schema"], spec, "401") == []
    assert set(declared["headers"]) <= set(refused.headers)


def conformity(value: Any, schema: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """Where ``value`` departs from the OpenAPI ``schema``: required keys, types, formats, enums."""
    schema = resolve(schema, spec)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null but not nullable"]
    expected = schema.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if expected in checks and not checks[expected](value):
        return [f"{where}: {value!r} is not {expected}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if schema.get("format") in ("uuid", "date-time") and isinstance(value, str):
        try:
            uuid.UUID(value) if schema["format"] == "uuid" else dt.datetime.fromisoformat(value)
        except ValueError:
            problems.append(f"{where}: {value!r} is not a {schema['format']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{where}: missing required {name!r}" for name in schema.get("required", ()) if name not in value]
        for name, item in value.items():
            if name in properties:
                problems += conformity(item, properties[name], spec, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}: {name!r} is not in the spec")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += conformity(item, schema["items"], spec, f"{where}[{index}]")
    return problems


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/schemas/Workspace``) to the schema it names."""
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema

