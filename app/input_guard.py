"""Refuse requests no view can answer sensibly, before a view runs.

An id in a path is a positive database integer: anything else (a word, a number
beyond the 32-bit range of our id columns) is a plain 404 instead of a database
error. A list's `q` parameter that the rison parser cannot read (it recurses without
bound on "(((") or that holds a number beyond the id range or a negative page is a
400 naming the field. Text with a NUL character (which PostgreSQL cannot store) is a
400 naming the field, in the query, a form or a JSON body alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

import prison
from flask import Flask, Response, abort, jsonify, request
from sqlalchemy.exc import StatementError
from werkzeug.exceptions import BadRequest

from .extensions import db
from .services.tenancy import LARGEST_ID

ID_ARGUMENTS = ("pk", "document_id", "notice_id")


def _is_id(value: Any) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= LARGEST_ID


def register_input_guard(app: Flask) -> None:
    """Check path ids, text without NUL and the rison `q` of every request."""

    @app.before_request
    def ids_are_database_integers() -> None:
        # A before_request, not a url_value_preprocessor: the 404 page needs FAB's g.user.
        values = request.view_args or {}
        for name in ID_ARGUMENTS:
            if name in values and not _is_id(values[name]):
                abort(404)

    @app.before_request
    def text_has_no_nul():
        found = _json_field_with_bad_text() if request.path.startswith("/api/") else None
        if found is not None:
            # A JSON body that is not valid Unicode text: 422 naming the field, as any
            # other invalid value of a field (the contract's error body).
            field, what = found
            message = f"Het veld '{field}' bevat {what}; dat kan niet."
            return jsonify(fouten=[{"veld": field, "melding": message}]), 422
        field = _field_with_nul()
        if field is None:
            return None
        if request.path.startswith("/api/"):
            return _refuse(field, f"Het veld '{field}' bevat een NUL-teken; dat kan niet.")
        abort(400)

    @app.errorhandler(StatementError)
    def unknown_code_in_a_filter(exc: StatementError) -> Any:
        # A list filtered on a code no enum has (`_flt_0_status=FOO`) fails while the
        # query is bound, before anything runs: bad input, not a fault of ours.
        if not isinstance(exc.orig, LookupError):
            raise exc
        db.session.rollback()
        if request.path.startswith("/api/"):
            return _refuse("q", "Een filter noemt een waarde die niet bestaat.")
        return app.handle_http_exception(BadRequest())

    @app.before_request
    def query_is_readable():
        value = request.args.get("q")
        if not value or not request.path.startswith("/api/"):
            return None
        try:
            parsed = _parse_q(value)
        except Exception:  # noqa: BLE001 - e.g. RecursionError, which FAB does not catch
            return _refuse("q", "De parameter q is geen geldige rison of JSON.")
        if _has_number_beyond_range(parsed):
            return _refuse("q", "Een getal in de parameter q is te groot.")
        if isinstance(parsed, dict) and any(
            isinstance(parsed.get(key), int) and parsed[key] < 0 for key in ("page", "page_size")
        ):
            return _refuse("q", "page en page_size zijn 0 of groter.")
        return None


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_field_with_bad_text() -> tuple[str, str] | None:
    """(field, what) of a JSON body's text holding a NUL or a lone surrogate, else None."""
    if not request.is_json or request.method not in ("POST", "PUT", "PATCH"):
        return None
    raw = request.get_data(cache=True)
    nul, surrogate = b"\\u0000" in raw, _SURROGATE_ESCAPE.search(raw) is not None
    if not nul and not surrogate:
        return None
    body = request.get_json(silent=True)
    if nul:
        field = _json_field_with_nul(body, None)
        if field:
            return field, "een NUL-teken"
    if surrogate:
        field = _json_field_with(body, None, _lone_surrogate)
        if field:
            return field, "een teken dat geen geldige Unicode is"
    return None


def _lone_surrogate(text: str) -> bool:
    # A correct pair was joined by the JSON parser; what is left in this range stands alone.
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _field_with_nul() -> str | None:
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            name, value = str(name or ""), str(value or "")  # a garbled part has no name
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "")
    # Uploaded files may hold NUL bytes; only a JSON body is text through and through.
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        return _json_field_with_nul(request.get_json(silent=True), None)
    return None


def _json_field_with(value: Any, field: str | None, bad: Any) -> str | None:
    """The first field (key) whose text, or whose key itself, `bad` refuses."""
    if isinstance(value, str):
        return (field or "body") if bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if bad(key):
                return "".join(ch for ch in key if not bad(ch)) or "body"
            found = _json_field_with(item, key, bad)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _json_field_with(item, field, bad)
            if found:
                return found
    return None


def _json_field_with_nul(value: Any, field: str | None) -> str | None:
    return _json_field_with(value, field, lambda text: "\x00" in text)


def _parse_q(value: str) -> Any:
    try:
        return prison.loads(value)
    except prison.decoder.ParserException:
        try:
            return json.loads(value)  # FAB accepts JSON too
        except ValueError:
            return None  # FAB answers this 400 itself


def _has_number_beyond_range(value: Any) -> bool:
    # Page numbers and filter values end up in SQL; SQLite overflows beyond 64 bits.
    if isinstance(value, dict):
        return any(_has_number_beyond_range(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_number_beyond_range(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return abs(value) > LARGEST_ID
    return False


def _refuse(field: str, message: str) -> tuple[Response, int]:
    return jsonify(fouten=[{"veld": field, "melding": message}]), 400
