"""Signalen: a caseworker's own alerts, the bell in the menu, and the daily digest setting."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from ..roles import current_user
from ..services.messaging import signals
from .outcome import FAILED, perform


class SignalView(BaseView):
    """The user's own signals; opening one marks it read and shows its case."""

    route_base = "/signalen"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        """Every signal of the user, unread first in bold, with the digest setting."""
        return self.render_template(
            "signals/index.html", signals=signals.for_user(), me=current_user(), title="Signalen"
        )

    @expose("/<int:pk>/open")
    @has_access
    def open(self, pk: int) -> Any:
        """Mark a signal read and go to its case."""
        signal = perform(lambda: signals.mark_read(pk))
        if signal is FAILED:
            return redirect(url_for(".index"))
        return redirect(url_for("CaseModelView.show", pk=signal.case_id))

    @expose("/email", methods=["POST"])
    @has_access
    def digest(self) -> Any:
        """Turn the daily digest email on or off."""
        on = request.form.get("dagelijks") == "ja"
        perform(lambda: signals.set_digest(on), "Dagelijkse e-mail met signalen "
                + ("aangezet." if on else "uitgezet."))  # fmt: skip
        return redirect(url_for(".index"))


def register_bell(app: Flask) -> None:
    """The menu's bell: a page asks for the unread count only when it draws the menu."""

    @app.context_processor
    def _bell() -> dict[str, Any]:
        return {"unread_signals": signals.unread_count}
