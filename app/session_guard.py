"""Server-side sessions on top of Flask's signed cookie: timeouts and a real logout."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in, user_logged_out

from .services.security import audit, login_guard, sessions

SESSION_ID = "sid"
EXPIRED = "Uw sessie is verlopen. Log opnieuw in."


def register_session_guard(app: Flask) -> None:
    """Open a server-side session at login, end it at logout, refuse ended ones."""

    def _on_login(sender: Any, user: Any) -> None:
        session[SESSION_ID] = sessions.start(user.id)
        # Only a complete login (password and, where it applies, second factor) clears
        # the failures, so knowing the password does not buy unlimited code guesses.
        login_guard.succeeded(user.username)

    def _on_logout(sender: Any, user: Any) -> None:
        sessions.end(session.pop(SESSION_ID, None), "logout")

    user_logged_in.connect(_on_login, app, weak=False)
    user_logged_out.connect(_on_logout, app, weak=False)

    @app.before_request
    def _guard() -> Any:
        if "_user_id" not in session or request.path.startswith("/static/"):
            return None
        user = current_user
        if not getattr(user, "is_authenticated", False):
            return None
        reason = sessions.check(session.get(SESSION_ID), user.id)
        if reason is None:
            return None
        audit.session_ended(user, reason)
        session.pop(SESSION_ID, None)
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            return jsonify(fouten=[{"veld": None, "melding": EXPIRED}]), 401
        flash(EXPIRED, "warning")
        return redirect(url_for("LoginView.login", next=request.path))
