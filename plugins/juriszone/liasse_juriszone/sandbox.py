"""A JurisZone look-alike on loopback: the API of ``plugins/juriszone/README.md``.

An office registers an *entity* and receives two keys; every API call
carries both (``X-JurisZone-Entity`` and ``Authorization: Bearer``).
``create_sandbox()`` starts with one demo entity, whose keys
``liasse sandbox juriszone`` prints.

All the fake provider holds lives in :class:`JurisZoneState`; routes only
translate HTTP to its methods, and its refusals (:class:`ApiError`) to
JurisZone's error body ``{"error": <code>, "message": <text>}``. Files,
parties, documents, shares and events join the state as their endpoints land.
"""

from __future__ import annotations

import hmac
from typing import Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox

#: The provider's side of the API defines its own header name: the sandbox never imports the client.
ENTITY_HEADER = "X-JurisZone-Entity"
DEMO_ENTITY_ID = "ent_fichorga"
DEMO_ENTITY_KEY = "jz-entity-fichorga-demo"
DEMO_API_KEY = "jz-api-demo-4f1c9e27b8"


@attrs.define
class Entity:
    """An office registered at JurisZone, with the two keys it received."""

    id: str
    name: str
    email: str
    entity_key: str = attrs.field(repr=False)
    api_key: str = attrs.field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The entity as ``GET /api/v1/entity`` shows it: never its keys."""
        return {"id": self.id, "name": self.name, "email": self.email}


class ApiError(Exception):
    """A refusal the way JurisZone words it: a status, a stable code, a French sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message


class JurisZoneState:
    """Everything the fake provider holds."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}

    def add_entity(self, entity: Entity) -> Entity:
        """Register an office, as JurisZone does at sign-up."""
        self.entities[entity.id] = entity
        return entity

    def authenticate(self, entity_key: str, api_key: str) -> Entity:
        """The entity both keys open; an empty key and a wrong key are told apart.

        Every entity's keys are compared, both of them, in constant time, so
        neither the timing nor the answer tells which key was wrong.
        """
        if not entity_key:
            raise ApiError(401, "missing_entity_key", f"Clé d'entité absente : envoyez-la dans l'en-tête {ENTITY_HEADER}.")
        if not api_key:
            raise ApiError(401, "missing_api_key", "Clé d'API absente : envoyez-la dans l'en-tête Authorization: Bearer.")
        found: Entity | None = None
        for entity in self.entities.values():
            entity_ok = hmac.compare_digest(entity.entity_key.encode(), entity_key.encode())
            api_ok = hmac.compare_digest(entity.api_key.encode(), api_key.encode())
            if entity_ok & api_ok:
                found = entity
        if found is None:
            raise ApiError(401, "invalid_keys", "Clé d'entité ou clé d'API invalide.")
        return found


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; empty when there is none."""
    scheme, _, token = (header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def create_sandbox() -> Sandbox:
    """A fresh JurisZone sandbox with its demo entity."""
    from flask import Response, g, jsonify, request
    from werkzeug.exceptions import HTTPException

    sandbox = Sandbox("juriszone", "JurisZone")
    state = JurisZoneState()
    state.add_entity(
        Entity(
            id=DEMO_ENTITY_ID,
            name="Groupe FICHORGA",
            email="etude@fichorga.example",
            entity_key=DEMO_ENTITY_KEY,
            api_key=DEMO_API_KEY,
        )
    )
    sandbox.demo_accounts.append(
        DemoAccount(
            DEMO_ENTITY_KEY,
            DEMO_API_KEY,
            "clé d'entité et clé d'API du Groupe FICHORGA / the office's entity key and API key",
        )
    )
    # The demo office's liasse.toml points its secret references at these.
    sandbox.demo_secrets.update({"entity_key": DEMO_ENTITY_KEY, "api_key": DEMO_API_KEY})
    app = sandbox.app

    def error(status: int, code: str, message: str) -> Response:
        response = jsonify({"error": code, "message": message})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="JurisZone"'
        return response

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # Unknown paths and methods answer in JurisZone's error shape too.
        codes = {404: "not_found", 405: "method_not_allowed"}
        status = exc.code or 500
        return error(status, codes.get(status, "http_error"), exc.description or exc.name)

    @app.before_request
    def authenticate() -> None:
        """Every API call is made as an entity; later routes read it from ``g.entity``."""
        if request.path.startswith("/api/"):
            entity_key = (request.headers.get(ENTITY_HEADER) or "").strip()
            g.entity = state.authenticate(entity_key, bearer_token(request.headers.get("Authorization")))

    @app.get("/api/v1/entity")
    def entity() -> Any:
        current: Entity = g.entity
        return jsonify(current.to_json())

    return sandbox
