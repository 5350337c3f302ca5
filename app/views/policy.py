"""Beheer > Inkomens- en vermogensparameters: the policy, its limits, a what-if, recompute."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name

from ..formatting import amount_nl, today_nl
from ..models import Advice, Municipality
from ..services import errors, tenancy
from ..services.legitimacy import assessment, norms


def _municipality(cbs_code: str) -> Municipality:
    try:
        return tenancy.get_municipality(cbs_code)
    except tenancy.NotFound:
        abort(404)


class PolicyView(BaseView):
    """The municipality's income and asset parameters, with live limits and a what-if."""

    route_base = "/parameters"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """Choose a municipality (straight to it when the organisation has one)."""
        found = tenancy.visible_municipalities()
        if len(found) == 1:
            return redirect(url_for(".edit", cbs_code=found[0].cbs_code))
        return self.render_template(
            "policy/index.html", municipalities=found, title="Inkomens- en vermogensparameters"
        )

    @expose("/<cbs_code>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def edit(self, cbs_code: str):
        """Show and change the parameters; 'Wat als' previews their effect without saving."""
        municipality = _municipality(cbs_code)
        values = {name: getattr(municipality, name) for name in assessment.POLICY_FIELDS}
        problems: list[dict[str, Any]] = []
        outcome = None
        if request.method == "POST":
            action = request.form.get("actie")
            if action == "herberekenen":
                count = assessment.recompute_open([municipality.id], "handmatig herberekend")
                flash(f"{count} open zaak/zaken met gegevens herberekend.", "success")
                return redirect(url_for(".edit", cbs_code=cbs_code))
            try:
                proposed = assessment.parse_policy(request.form.to_dict(), from_form=True)
            except errors.ValidationError as exc:
                problems = exc.errors
                values.update(request.form.to_dict())
            else:
                values.update(proposed)
                if action == "opslaan":
                    count = assessment.save_policy(municipality, proposed)
                    flash(
                        f"Parameters opgeslagen; {count} open zaak/zaken met gegevens herberekend.",
                        "success",
                    )
                    return redirect(url_for(".edit", cbs_code=cbs_code))
                if not municipality.module_legitimacy:
                    flash("Deze gemeente heeft de module rechtmatigheid niet.", "warning")
                else:
                    outcome = assessment.what_if(municipality, proposed)
        today = today_nl()
        overrides = {k: v for k, v in values.items() if k in assessment.POLICY_FIELDS}
        try:
            limits = assessment.limits_table(municipality, today, overrides)
        except (ArithmeticError, ValueError, TypeError):
            limits = assessment.limits_table(municipality, today)
        return self.render_template(
            "policy/edit.html",
            municipality=municipality,
            values=values,
            problems={p["veld"]: p["melding"] for p in problems},
            limits=limits,
            asset_limits=assessment.asset_limits_table(municipality, today),
            outcome=outcome,
            advices=[Advice.GRANT, Advice.INVESTIGATE, Advice.REJECT],
            norm_warnings=norms.warnings(today),
            today=today,
            title=f"Inkomens- en vermogensparameters {municipality.name}",
        )

    @expose("/<cbs_code>/grenzen")
    @has_access
    @permission_name("edit")
    def live_limits(self, cbs_code: str):
        """The income limits for proposed parameters, for the live table (JSON)."""
        municipality = _municipality(cbs_code)
        try:
            proposed = assessment.parse_policy(request.args.to_dict(), from_form=True)
        except errors.ValidationError as exc:
            return jsonify(fouten=exc.errors), 422
        rows = assessment.limits_table(municipality, today_nl(), proposed)
        return jsonify(
            grenzen={
                kind.name: amount_nl(limit) if limit else "geen norm" for kind, _, limit in rows
            }
        )
