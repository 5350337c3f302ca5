"""Login with throttling and a second factor; the user's own two-factor settings."""

from __future__ import annotations

import time
from typing import Any

from flask import flash, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import login_user

from ..roles import current_user
from ..services.security import audit, login_guard, two_factor

PENDING = "pending_login"
# Between password and code: long enough to open the app, short enough to be no session.
PENDING_SECONDS = 300
WRONG_CODE = "Deze code klopt niet of is al gebruikt. Probeer de volgende code."


def _pending_user(view: BaseView) -> Any:
    """The user who gave the right password and still owes the second factor, or None."""
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return view.appbuilder.sm.get_user_by_id(pending["user_id"])


class LoginView(AuthDBView):
    """FAB's login form, plus the throttle and the second factor."""

    login_template = "security/login.html"
    invalid_login_message = "Onjuiste gebruikersnaam of wachtwoord. Probeer het opnieuw."

    def _finish(self, user: Any) -> Any:
        next_url = (session.pop(PENDING, None) or {}).get("next") or self._get_safe_next_url()
        login_user(user, remember=False)
        return redirect(get_safe_redirect(next_url))

    def _throttled(self, form: Any, message: str) -> Any:
        flash(message, "danger")
        page = self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
        )
        return page, 429

    @expose("/login/", methods=["GET", "POST"])
    def login(self) -> Any:
        """Check user name and password, then ask for the second factor when it applies."""
        user = current_user()
        if user is not None:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if not form.validate_on_submit():
            return self.render_template(
                self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
            )
        try:
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
        except login_guard.Throttled as exc:
            return self._throttled(form, exc.message)
        if not user:
            flash(self.invalid_login_message, "warning")
            return redirect(self.appbuilder.get_url_for_login_with(request.args.get("next", "")))
        if two_factor.is_enrolled(user) or two_factor.is_required(user):
            session[PENDING] = {
                "user_id": user.id,
                "at": time.time(),
                "next": get_safe_redirect(request.args.get("next", "")) or None,
            }
            target = "code" if two_factor.is_enrolled(user) else "enrol"
            return redirect(url_for(f"{self.endpoint}.{target}"))
        return self._finish(user)

    @expose("/login/code", methods=["GET", "POST"])
    def code(self) -> Any:
        """Ask the code of the authenticator app (or a recovery code)."""
        user = _pending_user(self)
        if user is None or not two_factor.is_enrolled(user):
            flash("Log opnieuw in.", "warning")
            return redirect(self.appbuilder.get_url_for_login)
        if request.method == "POST":
            try:
                login_guard.check(user.username, request.remote_addr)
            except login_guard.Throttled as exc:
                flash(exc.message, "danger")
                return self.render_template("security/code.html", appbuilder=self.appbuilder), 429
            if two_factor.verify(user, request.form.get("code", "")):
                return self._finish(user)
            login_guard.failed(user.username, request.remote_addr)
            audit.second_factor(user, success=False)
            flash(WRONG_CODE, "danger")
        return self.render_template("security/code.html", appbuilder=self.appbuilder)

    @expose("/login/inrichten", methods=["GET", "POST"])
    def enrol(self) -> Any:
        """First login where a second factor is required: scan the QR code, confirm a code."""
        user = _pending_user(self)
        if user is None:
            flash("Log opnieuw in.", "warning")
            return redirect(self.appbuilder.get_url_for_login)
        if two_factor.is_enrolled(user):
            return redirect(url_for(f"{self.endpoint}.code"))
        return _enrolment_page(self, user, on_done=lambda: self._finish(user))


def _enrolment_page(view: BaseView, user: Any, on_done: Any) -> Any:
    """The QR code and the confirmation form; on success the recovery codes, once."""
    if request.method == "POST" and user.totp_secret:
        codes = two_factor.confirm_enrolment(user, request.form.get("code", ""))
        if codes is not None:
            audit.second_factor_enrolled(user)
            response = on_done()
            return view.render_template(
                "security/recovery_codes.html",
                codes=codes,
                next_url=response.location,
                appbuilder=view.appbuilder,
            )
        flash(WRONG_CODE, "danger")
    secret = user.totp_secret or two_factor.begin_enrolment(user)
    uri = two_factor.provisioning_uri(user, secret)
    return view.render_template(
        "security/enrol.html",
        qr=two_factor.qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        appbuilder=view.appbuilder,
    )


class TwoFactorView(BaseView):
    """Mijn tweestapsverificatie: status, set up, switch off when not required."""

    route_base = "/tweestaps"
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        """Show whether the user logs in with a second factor."""
        user = current_user()
        return self.render_template(
            "security/two_factor.html",
            enrolled=two_factor.is_enrolled(user),
            required=two_factor.is_required(user),
            remaining=two_factor.remaining_recovery_codes(user),
            appbuilder=self.appbuilder,
        )

    @expose("/instellen", methods=["GET", "POST"])
    @has_access
    def setup(self) -> Any:
        """Set up (or renew) the authenticator app for the logged-in user."""
        user = current_user()
        if two_factor.is_enrolled(user):
            flash("Tweestapsverificatie is al ingesteld.", "info")
            return redirect(url_for(".index"))
        return _enrolment_page(self, user, on_done=lambda: redirect(url_for(".index")))

    @expose("/uitschakelen", methods=["POST"])
    @has_access
    def switch_off(self) -> Any:
        """Switch the second factor off (only where it is not required), with a current code."""
        user = current_user()
        if two_factor.is_required(user):
            flash("Tweestapsverificatie is voor u verplicht.", "danger")
        elif two_factor.verify(user, request.form.get("code", "")):
            two_factor.reset(user, end_sessions=False)
            audit.second_factor_removed(user, user)
            flash("Tweestapsverificatie is uitgeschakeld.", "success")
        else:
            flash(WRONG_CODE, "danger")
        return redirect(url_for(".index"))
