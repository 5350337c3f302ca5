"""Shared pieces of the REST resources: the contract's error body and the tenant filter."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from flask_appbuilder.api import ModelRestApi
from sqlalchemy.exc import StatementError

from ..labels import FIELD_LABELS
from ..web import outages, refusals
from ..web.tenancy import scope_related


def errors(status: int, items: list[dict[str, Any]]) -> tuple[Response, int]:
    """The contract's error body: {"fouten": [{"veld": ..., "melding": ...}]}."""
    return jsonify(fouten=items), status


def error_response(status: int, items: list[dict[str, Any]]) -> Response:
    """The contract's error body as a response object (for FAB's `response_4xx` hooks)."""
    response = jsonify(fouten=items)
    response.status_code = status
    return response


CASE_NOT_FOUND = "Zaak niet gevonden."

FOUTEN_SCHEMA = {
    "type": "object",
    "required": ["fouten"],
    "properties": {
        "fouten": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["veld", "melding"],
                "properties": {
                    "veld": {"type": ["string", "null"]},
                    "melding": {"type": "string"},
                },
            },
        }
    },
}


def register_spec_components(api_spec: Any) -> None:
    """The spec's shared pieces, once: the contract's error body and the `pk` path parameter."""
    api_spec.components.schema("Fouten", FOUTEN_SCHEMA)
    api_spec.components.response(
        "Fouten",
        {
            "description": "Fout, met een Nederlandse melding per veld",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fouten"}}},
        },
    )
    api_spec.components.parameter(
        "pk", "path", {"required": True, "schema": {"type": "integer"}, "description": "id"}
    )


def answer(
    action: Callable[[], Any],
    ok: Callable[[Any], Any],
    not_found: str = CASE_NOT_FOUND,
    refused_field: str | None = None,
) -> Any:
    """Run a service call; its refusals become the contract's errors, its result `ok(result)`.

    `refused_field` names the request field a 403/409 is about (null: the object itself).
    """
    result, refusal = refusals.run(action, not_found, refused_field)
    if refusal is not None:
        return errors(refusal.status, refusal.items)
    return ok(result)


def code(value: Any) -> str | None:
    """The English code of an enum member (None stays None)."""
    return value.name if value is not None else None


# Marshmallow's and FAB's English messages, as the contract wants them: in Dutch.
DUTCH = {
    "Missing data for required field.": "Dit veld is verplicht.",
    "Field may not be null.": "Dit veld mag niet leeg (null) zijn.",
    "Unknown field.": "Dit veld bestaat niet.",
    "Not a valid integer.": "Geef een geheel getal.",
    "Not a valid number.": "Geef een getal.",
    "Not a valid string.": "Geef tekst.",
    "Not a valid boolean.": "Geef true of false.",
    "Not a valid date.": "Geef een datum (JJJJ-MM-DD).",
    "Not a valid datetime.": "Geef een tijdstip (ISO 8601).",
    "Not a valid list.": "Geef een lijst.",
    "Not a valid mapping type.": "Geef een object.",
    "Invalid input type.": "Dit type waarde past hier niet.",
    "Invalid input.": "Deze waarde is ongeldig.",
    "Invalid value.": "Deze waarde is ongeldig.",
    "Request is not JSON": "De body is geen JSON-object.",
    "Not a valid rison/json argument": "De parameter q is geen geldige rison of JSON.",
    "Not a valid rison argument": "De parameter q is geen geldige rison.",
}
GENERIC = {
    400: "Het verzoek is niet goed opgebouwd.",
    401: "Log in: het token ontbreekt, klopt niet of is verlopen.",
    403: "U heeft geen recht op deze handeling.",
    404: "Niet gevonden (of u heeft er geen toegang toe).",
    422: "De gegevens kloppen niet.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
}


def _dutch(message: Any) -> str:
    text = str(message)
    if text in DUTCH:
        return DUTCH[text]
    if text.startswith("Must be one of: "):
        return "Kies een van: " + text.removeprefix("Must be one of: ").rstrip(".") + "."
    return text


def _items(message: Any, field: str | None = None) -> list[dict[str, Any]]:
    """Marshmallow's nested {field: [messages]} as the contract's flat list of (veld, melding)."""
    if isinstance(message, dict):
        found = []
        for key, value in message.items():
            name = key if field is None else f"{field}.{key}"
            found += _items(value, str(name))
        return found
    if isinstance(message, list | tuple):
        return [item for value in message for item in _items(value, field)]
    return [{"veld": field, "melding": _dutch(message)}]


UNKNOWN_CODE = (
    "De parameter q klopt niet: een filter noemt een code die het veld niet kent "
    "(bijvoorbeeld een status die niet bestaat)."
)


class ContractErrors:
    """FAB's own error answers in the contract's shape and language: {"fouten": [...]}.

    Mixed into every REST resource, so the generated CRUD endpoints, the permission
    checks and `@safe` answer like our own actions do.
    """

    def response_400(self, message: Any = None) -> Response:
        """400, with FAB's message made Dutch (a bad `q` names the field)."""
        text = str(message or "")
        if text in DUTCH:
            field, text = ("q" if text.startswith("Not a valid rison") else None), DUTCH[text]
        elif text.startswith("Not a valid rison") or request.args.get("q"):
            # FAB's other 400s are about q: an unknown column, filter or sort order.
            field, text = "q", "De parameter q klopt niet: onbekende kolom, filter of sortering."
        else:
            field, text = None, GENERIC[400]
        return error_response(400, [{"veld": field, "melding": text}])

    def response_422(self, message: Any = None) -> Response:
        """422 with every field's problem; a database refusal is never echoed (it may hold data)."""
        if isinstance(message, dict | list):
            items = _items(message)
        else:
            items = [{"veld": None, "melding": GENERIC[422]}]
        return error_response(422, items or [{"veld": None, "melding": GENERIC[422]}])

    def response_401(self) -> Response:
        """401 in Dutch."""
        return error_response(401, [{"veld": None, "melding": GENERIC[401]}])

    def response_403(self) -> Response:
        """403 in Dutch."""
        return error_response(403, [{"veld": None, "melding": GENERIC[403]}])

    def response_404(self) -> Response:
        """404 in Dutch."""
        return error_response(404, [{"veld": None, "melding": GENERIC[404]}])

    def response_500(self, message: Any = None) -> Response:
        """500 in Dutch, or 503 for an outage (FAB's `safe` calls it while handling the error)."""
        error = sys.exc_info()[1]
        outage = outages.message_for(error)
        if outage is not None:
            return outages.response(outage)
        if isinstance(error, StatementError) and isinstance(error.orig, LookupError):
            # A filter in q with a code the column does not have (status GEEN): the
            # statement was refused before it reached the database.
            return error_response(400, [{"veld": "q", "melding": UNKNOWN_CODE}])
        return error_response(500, [{"veld": None, "melding": GENERIC[500]}])


class RestApi(ContractErrors, ModelRestApi):
    """FAB's ModelRestApi answering people in Dutch, without its translation slip in `_info`.

    Titles ("Zaken", "Zaak bewerken") and field labels are Dutch (app/labels.py); field
    names and codes stay the contract's English. FAB translates a missing description
    (`""`), and gettext answers the catalogue's header ("Project-Id-Version: ..."); a
    field without a description gets "".
    """

    # The resource's object in Dutch: (singular, plural), e.g. ("Zaak", "Zaken").
    noun: tuple[str, str] = ("", "")

    def __init__(self) -> None:
        # `_info` lists the choices of related fields: only the own organisation's
        # (it listed every organisation's cases and user names).
        scope_related(self, ("add_query_rel_fields", "edit_query_rel_fields"))
        super().__init__()

    def put_headless(self, pk: Any) -> Response:
        """FAB's update; a body that is not JSON gets the contract's error, like a POST."""
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            # Also a JSON body that is no object ("AAA", [null], 0, null): FAB gave a 500.
            return self.response_400(message="Request is not JSON")
        return super().put_headless(pk)

    def _init_titles(self) -> None:
        singular, plural = self.noun
        self.list_title = self.list_title or plural
        self.show_title = self.show_title or singular
        self.add_title = self.add_title or f"{singular} toevoegen"
        self.edit_title = self.edit_title or f"{singular} bewerken"
        super()._init_titles()

    def _init_properties(self) -> None:
        super()._init_properties()
        if "put" not in (self.include_route_methods or {"put"}):
            self.edit_columns = []  # FAB fills an empty list with every column
        # FAB made English labels from the column names ("Children Count").
        self.label_columns = {
            name: FIELD_LABELS.get(name, label) for name, label in self.label_columns.items()
        }

    def _get_field_info(self, field: Any, filter_rel_field: Any, page: Any = None,
                        page_size: Any = None) -> dict[str, Any]:  # fmt: skip
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info
