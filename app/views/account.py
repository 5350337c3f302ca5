"""Public pages without a login: choosing a password by one-time link; the trial invitation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request

from ..formatting import today_nl
from ..services.errors import ValidationError
from ..services.messaging import short_links
from ..services.ockto import adapter, sandbox
from ..services.onboarding import accounts, checklist

bp = Blueprint("account", __name__, url_prefix="/account")
trial_bp = Blueprint("trial", __name__, url_prefix="/inwoner/proef")
short_bp = Blueprint("short", __name__, url_prefix="/code")


@short_bp.route("", methods=["GET", "POST"])
def enter_code():
    """The short address from a letter: type the code, go on to the personal page."""
    error = None
    if request.method == "POST":
        path = short_links.target(request.form.get("code", ""))
        if path:
            return redirect(path, code=303)
        error = "Deze code kennen we niet. Kijk nog eens in uw brief; de code heeft 11 tekens."
    return render_template("resident/code.html", error=error), (404 if error else 200)


@short_bp.get("/<code>")
def follow_code(code: str):
    """The short address with the code in it (typed in the address bar)."""
    path = short_links.target(code)
    if path is None:
        return render_template("resident/invalid.html"), 404
    return redirect(path, code=303)


@bp.route("/activeren/<token>", methods=["GET", "POST"])
def activate(token: str):
    """Choose one's own password with the emailed one-time link (72 hours, once)."""
    try:
        link = accounts.find_link(token)
    except accounts.LinkProblem as exc:
        return render_template("account/link_problem.html", message=exc.message), 410
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            user = accounts.choose_password(
                token, request.form.get("password", ""), request.form.get("conf_password", "")
            )
        except accounts.LinkProblem as exc:
            return render_template("account/link_problem.html", message=exc.message), 410
        except ValidationError as exc:
            for problem in exc.errors:
                errors.setdefault(problem["veld"] or "", []).append(problem["melding"])
        else:
            return render_template("account/done.html", user=user)
    return render_template("account/activate.html", user=link.user, errors=errors, token=token), (
        422 if errors else 200
    )


@trial_bp.get("/<token>")
def trial_start(token: str):
    """The start page of a test invitation: exactly what a resident sees, nothing stored."""
    municipality = checklist.trial_municipality(token)
    if municipality is None:
        return render_template("resident/invalid.html"), 404
    invitation = SimpleNamespace(token=token, expires_on=today_nl())
    return render_template(
        "resident/start.html",
        invitation=invitation,
        municipality=municipality,
        addressee="J. van Dijk (proefuitnodiging)",
        partner_known=False,
        sandbox_mode=adapter.is_sandbox(),
        trial=True,
    )


@trial_bp.post("/<token>")
def trial_begin(token: str):
    """The start button of a test invitation: the sandbox's chooser, as a resident sees it."""
    municipality = checklist.trial_municipality(token)
    if municipality is None:
        return render_template("resident/invalid.html"), 404
    if not adapter.is_sandbox():
        return _trial_done(municipality, None)
    return render_template(
        "resident/sandbox.html",
        invitation=SimpleNamespace(token=token),
        municipality=municipality,
        scenarios=sandbox.SCENARIOS.values(),
        error=None,
        trial=True,
    )


@trial_bp.post("/<token>/situatie")
def trial_choose(token: str):
    """The sandbox's send button in a test invitation: says what would happen, stores nothing."""
    municipality = checklist.trial_municipality(token)
    if municipality is None:
        return render_template("resident/invalid.html"), 404
    scenario = sandbox.SCENARIOS.get(request.form.get("situatie", ""))
    return _trial_done(municipality, scenario)


def _trial_done(municipality: Any, scenario: Any):
    # Played to the end: invitation email, link, start page and journey all work.
    checklist.trial_played(municipality)
    return render_template(
        "resident/trial_done.html",
        municipality=municipality,
        scenario=scenario,
        sandbox_mode=adapter.is_sandbox(),
        journey_configured=bool(current_app.config.get("OCKTO_JOURNEY_URL")),
    )


def register_public_pages(app: Flask) -> None:
    """Add the account and trial pages, rate limited per address like the residents' pages."""
    limiter = app.appbuilder.sm.limiter
    limit = app.config["RESIDENT_RATE_LIMIT"]
    for blueprint in (bp, trial_bp, short_bp):
        if limiter is not None:
            limiter.limit(limit)(blueprint)
        app.register_blueprint(blueprint)
