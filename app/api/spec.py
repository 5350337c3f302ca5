"""The OpenAPI spec at /api/v1/_openapi, made to tell every answer the API gives.

FAB writes the spec from each operation's docstring and its own generic schemas.
Three things it leaves out or gets wrong are put right here, once, for every
resource: the statuses any protected call can answer (401, 403), a path id (404)
and a body or query (400, 422), all in the contract's `{"fouten": [...]}` shape;
`ids` in list answers are integers, not strings; `_info`'s `add_columns` and
`edit_columns` are lists, not objects; a path id is a positive 32-bit integer.
tests/test_api_fuzz.py holds the spec to the answers with schemathesis.
"""

from __future__ import annotations

from typing import Any

from flask import json
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi

from ..services.tenancy import LARGEST_ID
from .common import ContractErrors

FOUTEN_REF = {"$ref": "#/components/responses/Fouten"}
# Signed partner endpoints and the login itself take no bearer token.
WITHOUT_TOKEN = {"/api/v1/security/login", "/api/v1/intake/aanvraag", "/api/v1/ockto/levering"}
FAB_RESPONSES = ("400", "401", "403", "404", "422", "500")
METHODS = ("get", "post", "put", "delete", "patch")


def conform(spec: dict[str, Any]) -> dict[str, Any]:
    """Complete FAB's spec in place: every status in the contract's shape; FAB's slips fixed."""
    components = spec.setdefault("components", {})
    responses = components.setdefault("responses", {})
    for status in FAB_RESPONSES:
        # FAB's own {"message": ...} bodies are answered as fouten (common.ContractErrors).
        responses[status] = {
            "description": responses.get(status, {}).get("description", "Fout"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fouten"}}},
        }
    for parameter in components.get("parameters", {}).values():
        _bound_id(parameter)
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method in METHODS:
            operation = operations.get(method)
            if operation is not None:
                for parameter in operation.get("parameters", []):
                    _bound_id(parameter)
                _complete_statuses(path, method, operation)
                _fix_generic_schemas(operation)
    return spec


def _bound_id(parameter: dict[str, Any]) -> None:
    # Ids are positive database integers; anything else is a 404 (app/input_guard.py).
    if parameter.get("in") == "path" and parameter.get("schema", {}).get("type") == "integer":
        parameter["schema"].update(minimum=1, maximum=LARGEST_ID)


def _complete_statuses(path: str, method: str, operation: dict[str, Any]) -> None:
    answers = operation.setdefault("responses", {})
    statuses: list[str] = []
    if path not in WITHOUT_TOKEN:
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    parameters = [p for p in operation.get("parameters", []) if isinstance(p, dict)]
    takes_input = method in ("post", "put", "patch") or any(
        p.get("in") == "query" for p in parameters
    )
    if takes_input:
        statuses += ["400", "422"]
    for status in statuses:
        answers.setdefault(status, FOUTEN_REF)


def _fix_generic_schemas(operation: dict[str, Any]) -> None:
    for answer in operation.get("responses", {}).values():
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        properties = schema.get("properties") or {}
        if properties.get("ids", {}).get("items", {}).get("type") == "string":
            properties["ids"]["items"] = {"type": "integer"}
        if properties.get("id", {}).get("type") == "string":
            properties["id"] = {"type": "integer"}
        for name in ("add_columns", "edit_columns"):
            if properties.get(name, {}).get("type") == "object":
                properties[name] = {"type": "array", "items": {"type": "object"}}


class OpenApi(ContractErrors, FabOpenApi):
    """FAB's spec endpoint, answering the completed spec (same name, route and permission)."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version: str) -> Any:
        """The OpenAPI spec of one API version, completed by `conform`.
        ---
        get:
          description: >-
            De OpenAPI-specificatie van deze API-versie
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        response = super().get(version)
        if response.status_code == 200:
            response.set_data(json.dumps(conform(response.get_json())))
        return response
