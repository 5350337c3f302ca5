"""Dutch error pages for people, and the contract's JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from .web import outages

MESSAGES = {
    400: "Het verzoek is niet goed opgebouwd.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina of dit gegeven bestaat niet (of u heeft er geen toegang toe).",
    405: "Deze handeling is hier niet toegestaan.",
    413: "Het bestand of verzoek is te groot.",
    429: "Te veel pogingen. Wacht even en probeer het opnieuw.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
}


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors in Dutch: a page for people, JSON for API clients."""

    def handle(error: HTTPException):
        code = error.code or 500
        parts = request.path.strip("/").split("/")
        if code == 405 and len(parts) == 4 and parts[0] == "api" and not parts[3].isdigit():
            # `/api/v1/case/null,null` matched only a route of another method: an object
            # whose key is not a number does not exist.
            code = 404
        message = MESSAGES.get(code, error.description or "Er ging iets mis.")
        if request.path.startswith("/api/"):
            return jsonify(fouten=[{"veld": None, "melding": message}]), code
        if request.path.startswith("/inwoner/"):
            # Residents see their own simple pages, never the caseworkers' menu.
            return render_template("resident/error.html", code=code, message=message), code
        page = render_template(
            "error.html",
            code=code,
            message=message,
            appbuilder=current_app.appbuilder,
            base_template=current_app.appbuilder.base_template,
        )
        return page, code

    for code in MESSAGES:
        app.register_error_handler(code, handle)

    def database_error(error: DBAPIError):
        message = outages.message_for(error)
        if message is None:
            raise error  # a fault of ours: logged with its traceback, answered as a 500
        return outages.response(message)

    def os_error(error: OSError):
        message = outages.message_for(error)
        if message is None:
            raise error
        return outages.response(message)

    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(OSError, os_error)
    outages.end_session_quietly(app)
