"""Bewaartermijn: the organisation's retention period, its dry-run report, the confirmation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from ..roles import current_user
from ..services.security import retention
from .outcome import perform

NOT_CHECKED = "Vink aan dat u het rapport heeft gecontroleerd; er is niets verwijderd."


class RetentionView(BaseView):
    """The Beheerder's retention screen for the own organisation."""

    route_base = "/bewaartermijn"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        """Show the period and the latest report (counts only, no names)."""
        user = current_user()
        if user is None or not user.organisation_id:
            # The platform Admin sees the menu item but belongs to no organisation.
            return self.render_template("retention/no_organisation.html", title="Bewaartermijn")
        return self.render_template(
            "retention/index.html",
            organisation=user.organisation,
            run=retention.latest(user.organisation_id),
            bounds=retention.RETENTION_BOUNDS,
            title="Bewaartermijn",
        )

    @expose("/termijn", methods=["POST"])
    @has_access
    def period(self) -> Any:
        """Change the retention period of the own organisation."""
        perform(
            lambda: retention.set_period(request.form.get("bewaartermijn")),
            lambda organisation: f"Bewaartermijn is nu {organisation.retention_years} jaar.",
        )
        return redirect(url_for(".index"))

    @expose("/rapport", methods=["POST"])
    @has_access
    def report(self) -> Any:
        """Make a fresh dry-run report now (nothing is removed)."""
        perform(
            retention.propose_for_user,
            lambda run: f"Rapport gemaakt: {len(run.case_ids)} zaak/zaken voorbij de termijn.",
        )
        return redirect(url_for(".index"))

    @expose("/<int:pk>/bevestigen", methods=["POST"])
    @has_access
    def confirm(self, pk: int) -> Any:
        """Remove the report's cases, after the Beheerder ticked that they checked it."""
        if request.form.get("gecontroleerd") != "ja":
            flash(
                "Vink aan dat u het rapport heeft gecontroleerd; er is niets verwijderd.", "danger"
            )
            return redirect(url_for(".index"))
        perform(lambda: retention.confirm(pk), lambda removed: f"{removed} zaak/zaken verwijderd; "
                "er is per zaak een anonieme telling bewaard.", category="warning")  # fmt: skip
        return redirect(url_for(".index"))
