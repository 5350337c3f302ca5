"""Overzicht (home): counts per status per municipality and in total (seed 003)."""

from __future__ import annotations

from flask import current_app, g, redirect, url_for
from flask_appbuilder import IndexView, expose

from ..formatting import today_nl
from ..models import Advice, CaseStatus
from ..services import tenancy
from ..services.cases import assignment, records
from ..services.legitimacy import norms
from ..services.messaging import signals
from ..services.onboarding import checklist


class OverviewIndexView(IndexView):
    """The home page: the overview for the user's organisation."""

    @expose("/")
    def index(self):
        """Show the counts per municipality and status, or send a visitor to the login."""
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        rows, total = records.overview(user)
        sm = self.appbuilder.sm
        manages = sm.has_access("can_index", "SetupView")
        from config import base_url_problem

        setup = checklist.incomplete(tenancy.visible_municipalities(user)) if manages else []
        return self.render_template(
            "overview.html",
            rows=rows,
            total=total,
            statuses=list(CaseStatus),
            advices=[*Advice, None],
            attention_labels=records.ATTENTION,
            weeks=records.applications_per_week(today_nl(), user=user),
            norm_warnings=norms.warnings(today_nl(), user),
            setup_incomplete=setup,
            link_warning=base_url_problem(current_app.config["PUBLIC_BASE_URL"])
            if manages
            else None,
            no_municipalities=manages and not rows,
            my_signals=signals.for_user(user, unread_only=True)[:5],
            workload=assignment.workload(user) if rows else [],
            title="Overzicht",
        )
