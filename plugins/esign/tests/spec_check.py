"""openapi-core validation of every call against Yousign's contract (``../shared/specs/yousign-v3-openapi.yml``).

:class:`SpecRecorder` hooks a ``requests`` session: each request the
plugin sends and each response the sandbox returns is validated, and the
failures are collected so a test can assert there are none. The spec is
read from the shared directory, never copied into the project; its
servers are pointed at the loopback sandbox.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import requests

SPEC = Path(__file__).resolve().parents[3] / ".." / "shared" / "specs" / "yousign-v3-openapi.yml"


@functools.cache
def openapi() -> Any:
    """The contract, parsed once per test session (it is 1.9 MB of YAML)."""
    import yaml
    from openapi_core import OpenAPI

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    for schema in spec["components"]["schemas"].values():
        # The generator wrote ``additionalProperties: false`` beside a ``oneOf`` with no ``properties``
        # of its own (CreateSignatureRequest, CreateSigner …): read literally, it forbids every member,
        # so no body could ever pass. Yousign accepts the oneOf's members; the variants keep their own rules.
        if isinstance(schema, dict) and ("oneOf" in schema or "anyOf" in schema) and "properties" not in schema:
            if schema.get("additionalProperties") is False:
                del schema["additionalProperties"]
    spec["servers"] = [{"url": "http://127.0.0.1:{port}/v3", "variables": {"port": {"default": "80"}}}]
    return OpenAPI.from_dict(spec)


def _explain(exc: BaseException) -> str:
    parts = [repr(exc)[:200]]
    cause: Any = exc.__cause__
    while cause is not None:
        for error in getattr(cause, "schema_errors", ()) or ():
            path = "/".join(str(p) for p in error.absolute_path)
            parts.append(f"{path}: {error.message[:200]}")
            for sub in (error.context or [])[:6]:
                parts.append(f"  {'/'.join(str(p) for p in sub.absolute_path)}: {sub.message[:160]}")
        cause = cause.__cause__
    return "\n".join(parts)


class SpecRecorder:
    """Validates what passes through a session; :attr:`failures` lists what broke the contract."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked = 0

    def attach(self, session: requests.Session) -> None:
        """Validate every response of ``session`` (and the request that caused it)."""
        session.hooks.setdefault("response", []).append(self._check)

    def _check(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

        prepared = response.request
        if "/v3/" not in (prepared.url or ""):
            return
        if not isinstance(prepared.body, (bytes, str, type(None))):
            # A streamed upload is read by the socket, not kept: its form is checked by the sandbox.
            what = f"{prepared.method} {prepared.url}"
        else:
            what = ""
            try:
                openapi().validate_request(RequestsOpenAPIRequest(prepared))
            except Exception as exc:  # noqa: BLE001 - every failure is collected, whatever its class
                self.failures.append(f"request {prepared.method} {prepared.url}\n{_explain(exc)}")
        if response.headers.get("Content-Type", "").startswith(("application/pdf", "application/zip")):
            self.checked += 1
            return
        _ = response.content  # a streamed body is read now, before openapi-core looks at it
        try:
            request = RequestsOpenAPIRequest(prepared) if not what else _BodilessRequest(prepared)
            openapi().validate_response(request, RequestsOpenAPIResponse(response))
        except Exception as exc:  # noqa: BLE001
            self.failures.append(f"response {response.status_code} to {prepared.method} {prepared.url}\n{_explain(exc)}")
        self.checked += 1


class _BodilessRequest:
    """The request side of a streamed upload, for response validation only (openapi-core needs no body there)."""

    def __init__(self, prepared: requests.PreparedRequest) -> None:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest

        clone = prepared.copy()
        clone.body = b""
        self._inner = RequestsOpenAPIRequest(clone)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
