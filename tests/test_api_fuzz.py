"""The OpenAPI spec tells every answer: schemathesis over every operation, offline.

schemathesis generates requests from /api/v1/_openapi and sends them to the app in
process (WSGI, no network), as a Beheerder and as a Medewerker, with the checks
not_a_server_error, ignored_auth (the same request without a token must be refused),
status_code_conformance, response_schema_conformance and content_type_conformance.
It creates, changes and decides at random, so it runs on a database of its own: the
shared test database stays as the other modules expect.

FUZZ_EXAMPLES (default 30) sets the examples per operation; the run is derandomised,
so CI sees the same requests every time. Raise it locally to search further.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from app.extensions import db as _db
from tests.conftest import api_token, bearer, build_app, own_database

CHECKS = [
    not_a_server_error,
    ignored_auth,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ROLES = {"beheerder": "beheerder.zwolle", "medewerker": "medewerker.zwolle"}


class ClosingServer:
    """Close every answer once it is read, as a WSGI server does (PEP 3333).

    Werkzeug's test client leaves closing to the caller and schemathesis never closes:
    a streamed export would then keep its database connection until garbage collection.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answer = self.app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An app on its own database, its spec, and a token per role."""
    tmp_dir = tmp_path_factory.mktemp("fuzz")
    app = build_app(own_database("fuzz", tmp_dir), tmp_dir)
    client = app.test_client()
    # Tokens first: the fuzzed login calls count as failures against this address.
    tokens = {role: api_token(client, username) for role, username in ROLES.items()}
    spec = client.get("/api/v1/_openapi", headers=bearer(tokens["beheerder"])).get_json()
    yield {"app": app, "spec": spec, "tokens": tokens}
    with app.app_context():
        _db.engine.dispose()


def _fuzz(operation: Any, token: str, found: dict[str, set[str]], project: Any) -> None:
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=bearer(token), checks=CHECKS)
        except (Exception, FailureGroup) as exc:
            lines = [line for line in str(exc).splitlines() if line.strip()]
            found.setdefault(operation.label, set()).add(" | ".join(lines[:8]))

    # Schemathesis's own phases: the spec's examples, the coverage phase (every boundary
    # and every kind of invalid value of each field) and random fuzzing.
    test = create_test(
        operation=operation,
        test_func=run,
        config=HypothesisTestConfig(
            project=project,
            modes=[
                HypothesisTestMode.EXAMPLES,
                HypothesisTestMode.COVERAGE,
                HypothesisTestMode.FUZZING,
            ],
            settings=settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            ),
        ),
    )
    test()


def _failures(schema: Any, token: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        _fuzz(operation, token, found, schema.config)
    return found


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_operation_answers_as_its_spec_says(fuzzed: dict[str, Any], role: str) -> None:
    schema = schemathesis.openapi.from_dict(fuzzed["spec"])
    schema.app = ClosingServer(fuzzed["app"])
    failures = _failures(schema, fuzzed["tokens"][role])
    report = "\n".join(
        f"{label}: {message}" for label, messages in failures.items() for message in messages
    )
    assert not failures, f"{len(failures)} operations break the spec:\n{report}"


@pytest.mark.parametrize("bad", ["a\ud800b", "a\x00b", "\udfff"])
def test_every_json_body_refuses_text_that_is_not_valid_unicode(
    fuzzed: dict[str, Any], bad: str
) -> None:
    """Every operation with a JSON body, each of its text fields holding a lone surrogate
    or a NUL: a Dutch 422 naming the field, never a 500 (the intake's body hash gave one)."""
    import json

    client = fuzzed["app"].test_client()
    headers = {**bearer(fuzzed["tokens"]["beheerder"]), "Content-Type": "application/json"}
    checked = 0
    for path, methods in fuzzed["spec"]["paths"].items():
        for method, operation in methods.items():
            if method not in ("post", "put"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            schema = (content.get("application/json") or {}).get("schema") or {}
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                schema = fuzzed["spec"]["components"]["schemas"][name]
            texts = [
                key for key, prop in (schema.get("properties") or {}).items()
                if prop.get("type") == "string"
            ]  # fmt: skip
            if not texts:
                continue
            for field in texts:
                body = json.dumps({field: bad})  # ensure_ascii: "\\ud800", "\\u0000"
                url = re.sub(r"\{[^}]+\}", "1", path)
                response = client.open(url, method=method.upper(), data=body, headers=headers)
                assert response.status_code == 422, (method, url, field, response.status_code)
                assert response.get_json()["fouten"][0]["veld"] == field, (url, field)
                checked += 1
    assert checked >= 20, checked
