"""schemathesis against the sandbox: Yousign's spec, filtered to the operations the sandbox implements.

Each operation is fuzzed from the spec (bounded for CI: a few examples per
operation) and every answer checked: no server error, status codes and
bodies as the spec declares. The spec is read from ``../shared/specs``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import liasse.sandbox
from liasse.sandbox import RunningSandbox

from liasse_esign.sandbox import API_ROOT, DEMO_API_KEY, create_sandbox

from spec_check import SPEC

IMPLEMENTED = {
    ("GET", "/workspaces/default"),
    ("POST", "/signature_requests"),
    ("GET", "/signature_requests"),
    ("GET", "/signature_requests/{signatureRequestId}"),
    ("PATCH", "/signature_requests/{signatureRequestId}"),
    ("DELETE", "/signature_requests/{signatureRequestId}"),
    ("POST", "/signature_requests/{signatureRequestId}/activate"),
    ("POST", "/signature_requests/{signatureRequestId}/cancel"),
    ("GET", "/signature_requests/{signatureRequestId}/documents"),
    ("POST", "/signature_requests/{signatureRequestId}/signers"),
    ("GET", "/signature_requests/{signatureRequestId}/signers"),
    ("GET", "/signature_requests/{signatureRequestId}/signers/{signerId}"),
    ("DELETE", "/signature_requests/{signatureRequestId}/signers/{signerId}"),
    ("POST", "/signature_requests/{signatureRequestId}/signers/{signerId}/send_reminder"),
    ("GET", "/signature_requests/{signatureRequestId}/documents/download"),
    ("GET", "/signature_requests/{signatureRequestId}/audit_trails/download"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("DELETE", "/webhooks/{webhookId}"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningSandbox]:
    running = liasse.sandbox.serve(create_sandbox(per_minute=100_000, per_hour=1_000_000))
    yield running
    running.stop()


def _schema(base_url: str):  # type: ignore[no-untyped-def]
    import schemathesis
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    for schema in raw["components"]["schemas"].values():
        if isinstance(schema, dict) and ("oneOf" in schema or "anyOf" in schema) and "properties" not in schema:
            if schema.get("additionalProperties") is False:
                del schema["additionalProperties"]
    raw["paths"] = {
        path: {m: op for m, op in item.items() if (m.upper(), path) in IMPLEMENTED or m == "parameters"}
        for path, item in raw["paths"].items()
        if any((m.upper(), path) in IMPLEMENTED for m in item)
    }
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.update(base_url=base_url)
    return loaded


def _fuzz(operation, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A few generated calls of one operation, each validated; failures collected as sentences."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=operation.as_strategy())
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {DEMO_API_KEY}"}
        try:
            # Business rules reject spec-valid calls on purpose (a draft only is activated, a name is not
            # blank): "positive data acceptance" would count those as failures; every answer is still checked.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises an exception group: collected, reported together
            if isinstance(exc, KeyboardInterrupt):
                raise
            said = " ".join(str(exc).split())[:600]
            failures.append(f"{operation.method.upper()} {operation.path}: {said}")

    check()


def test_es_faithfulness_schemathesis_finds_no_failure_on_the_implemented_operations(server: RunningSandbox) -> None:
    schema = _schema(server.url + API_ROOT)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} == IMPLEMENTED
    failures: list[str] = []
    for operation in operations:
        _fuzz(operation, failures)
    assert not failures, "\n".join(failures[:20])
