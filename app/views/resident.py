"""The resident's public pages: the start of the Ockto journey and, in sandbox mode, Ockto.

No login: the unguessable token in the link is the key. Every page is rate limited per
address, and an unknown, expired or finished link gets one and the same answer.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
)

from ..services.cases import information_requests
from ..services.errors import ValidationError
from ..services.messaging import documents
from ..services.ockto import adapter, journey, sandbox

bp = Blueprint("resident", __name__, url_prefix="/inwoner")
sandbox_bp = Blueprint("sandbox", __name__, url_prefix="/inwoner/sandbox")


def _invalid_link():
    """The same page for unknown, expired and finished links: nothing tells them apart."""
    return render_template("resident/invalid.html"), 404


@bp.get("/start/<token>")
def start(token: str):
    """The start page: what to prepare, then the start button."""
    invitation = journey.usable(token)
    if invitation is None:
        return _invalid_link()
    journey.record_opened(invitation)
    return render_template(
        "resident/start.html",
        invitation=invitation,
        municipality=invitation.case.municipality,
        addressee=journey.addressee(invitation),
        partner_known=invitation.case.partner_id is not None,
        sandbox_mode=adapter.is_sandbox(),
    )


@bp.post("/start/<token>")
def begin(token: str):
    """The start button: on to the Ockto journey (or the sandbox)."""
    invitation = journey.usable(token)
    if invitation is None:
        return _invalid_link()
    try:
        return redirect(adapter.journey_url(invitation), code=303)
    except adapter.OcktoUnavailable:
        return render_template(
            "resident/error.html",
            code=503,
            message="Gegevens doorgeven kan nu niet. Probeer het later opnieuw.",
            municipality=invitation.case.municipality,
        ), 503


@bp.get("/start/<token>/logo")
def logo(token: str):
    """The municipality's logo for the start page (only behind a working link)."""
    invitation = journey.usable(token)
    path = documents.logo_path(invitation.case.municipality) if invitation else None
    if path is None:
        abort(404)
    return send_file(path, mimetype=documents.image_type(path), max_age=3600)


@bp.route("/upload/<token>", methods=["GET", "POST"])
def upload(token: str):
    """The resident's upload page for an information request: what is asked, until when."""
    request_ = information_requests.usable(token)
    if request_ is None:
        return _invalid_link()
    municipality = request_.case.municipality
    errors: list[str] = []
    if request.method == "POST":
        files = [(f.filename, f.read()) for f in request.files.getlist("bestanden") if f.filename]
        try:
            information_requests.resident_upload(token, files)
        except ValidationError as exc:
            errors = [e["melding"] for e in exc.errors]
        else:
            return render_template("resident/uploaded.html", municipality=municipality)
    return render_template(
        "resident/upload.html",
        request_=request_,
        municipality=municipality,
        token=token,
        errors=errors,
        max_mb=current_app.config["UPLOAD_MAX_MB"],
    ), (422 if errors else 200)


@sandbox_bp.route("/<token>", methods=["GET", "POST"])
def choose(token: str):
    """The sandbox playing Ockto: pick a situation, and a signed delivery is sent."""
    invitation = journey.usable(token)
    if invitation is None:
        return _invalid_link()
    municipality = invitation.case.municipality
    if request.method == "GET":
        return render_template(
            "resident/sandbox.html",
            invitation=invitation,
            municipality=municipality,
            scenarios=sandbox.SCENARIOS.values(),
            error=None,
        )
    scenario = request.form.get("situatie", "")
    if scenario not in sandbox.SCENARIOS:
        return render_template(
            "resident/sandbox.html",
            invitation=invitation,
            municipality=municipality,
            scenarios=sandbox.SCENARIOS.values(),
            error="Kies een voorbeeldsituatie.",
        ), 422
    status, answer = sandbox.submit(sandbox.build(invitation, scenario))
    return render_template(
        "resident/done.html",
        municipality=municipality,
        status=status,
        answer=answer,
        restart=journey.usable(token) is not None,
        token=token,
    ), (200 if status in (200, 201) else 502)


def register_resident_pages(app: Flask) -> None:
    """Add the public pages; the sandbox only in sandbox mode, rate limits per address."""
    limiter = app.appbuilder.sm.limiter
    limit = app.config["RESIDENT_RATE_LIMIT"]
    blueprints = [bp]
    with app.app_context():
        if adapter.is_sandbox():
            blueprints.append(sandbox_bp)
    for blueprint in blueprints:
        if limiter is not None:
            limiter.limit(limit)(blueprint)
        app.register_blueprint(blueprint)
