"""Public pages without a login: choosing a password by one-time link; the trial invitation."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Flask, render_template, request

from ..formatting import today_nl
from ..services.errors import ValidationError
from ..services.ockto import adapter
from ..services.onboarding import accounts, checklist

bp = Blueprint("account", __name__, url_prefix="/account")
trial_bp = Blueprint("trial", __name__, url_prefix="/inwoner/proef")


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
    checklist.trial_opened(municipality)
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
    """The start button of a test invitation: says where a real resident would go now."""
    municipality = checklist.trial_municipality(token)
    if municipality is None:
        return render_template("resident/invalid.html"), 404
    return render_template(
        "resident/trial_done.html", municipality=municipality, sandbox_mode=adapter.is_sandbox()
    )


def register_public_pages(app: Flask) -> None:
    """Add the account and trial pages, rate limited per address like the residents' pages."""
    limiter = app.appbuilder.sm.limiter
    limit = app.config["RESIDENT_RATE_LIMIT"]
    for blueprint in (bp, trial_bp):
        if limiter is not None:
            limiter.limit(limit)(blueprint)
        app.register_blueprint(blueprint)
