"""The OpenAPI spec is well-formed where a fuzzer found it was not (issue 11's findings)."""

from __future__ import annotations

import re

from tests.conftest import api_token, bearer


def _spec(app):
    token = api_token(app.test_client(), "beheerder.zwolle")
    response = app.test_client().get("/api/v1/_openapi", headers=bearer(token))
    assert response.status_code == 200
    return response.get_json()


def _path_names(spec, parameters) -> set[str]:
    names = set()
    for parameter in parameters:
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter.get("in") == "path":
            names.add(parameter["name"])
    return names


def test_every_path_parameter_is_declared_on_every_operation(app):
    spec = _spec(app)
    missing = []
    for path, operations in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        shared = _path_names(spec, operations.get("parameters", []))
        for method, operation in operations.items():
            if method == "parameters":
                continue
            declared = shared | _path_names(spec, operation.get("parameters", []))
            if names - declared:
                missing.append(f"{method.upper()} {path}: {sorted(names - declared)}")
    assert not missing, missing


def test_numeric_bounds_are_numbers_not_strings(app):
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum") and not isinstance(value, int | float):
                    found.append(f"{where}.{key}={value!r}")
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(_spec(app), "")
    assert not found, found


def test_the_contract_error_body_and_the_partner_503_are_documented(app):
    spec = _spec(app)
    assert "Fouten" in spec["components"]["schemas"]
    paths = {path.removeprefix("/api/v1"): ops for path, ops in spec["paths"].items()}
    login = paths["/security/login"]["post"]["responses"]
    assert {"400", "401", "403", "429"} <= set(login)
    assert "503" in paths["/intake/aanvraag"]["post"]["responses"]


def test_every_operation_documents_the_refusals_it_can_answer(app):
    spec = _spec(app)
    without_token = {"/api/v1/security/login", "/api/v1/intake/aanvraag", "/api/v1/ockto/levering"}
    missing = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            expected = set() if path in without_token else {"401", "403"}
            if "{" in path:
                expected.add("404")
            if method in ("post", "put"):
                expected |= {"400", "422"}
            if expected - set(operation["responses"]):
                missing.append(
                    f"{method.upper()} {path}: {sorted(expected - set(operation['responses']))}"
                )
    assert not missing, missing


def test_fab_generic_schemas_say_what_the_api_answers(app):
    spec = _spec(app)
    listing = spec["paths"]["/api/v1/case/"]["get"]["responses"]["200"]
    schema = listing["content"]["application/json"]["schema"]["properties"]
    assert schema["ids"]["items"] == {"type": "integer"}
    info = spec["paths"]["/api/v1/municipality/_info"]["get"]["responses"]["200"]
    schema = info["content"]["application/json"]["schema"]["properties"]
    assert schema["edit_columns"]["type"] == "array"
    assert spec["components"]["parameters"]["pk"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**31 - 1,
    }
    settings = spec["components"]["schemas"]["MunicipalityApi.put"]["properties"]
    assert settings["income_percentage"]["type"] == "string"  # "130": a decimal string
