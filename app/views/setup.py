"""Inrichting: a municipality's set-up checklist, from an empty municipality to the first import."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from ..extensions import db
from ..formatting import today_nl
from ..models import Municipality, SetupStep, Template, TemplateEvent
from ..roles import current_user
from ..services import tenancy
from ..services.errors import Refused
from ..services.legitimacy import assessment, norms
from ..services.onboarding import checklist, municipalities
from ..web.downloads import pdf

# Where each step is done (endpoint and its arguments, filled per municipality).
WHERE = {
    SetupStep.HOUSE_STYLE: ("MunicipalityModelView.edit", "pk", "Afzender en huisstijl invullen"),
    SetupStep.POLICY: ("PolicyView.edit", "cbs_code", "Parameters bekijken of wijzigen"),
    SetupStep.NORMS: ("NationalNormModelView.list", None, "Normen bekijken"),
    SetupStep.TEMPLATES: ("TemplateModelView.list", None, "Sjablonen"),
    SetupStep.CASEWORKER: ("OrgUserDBModelView.add", None, "Medewerker uitnodigen"),
}


def _municipality(cbs_code: str) -> Municipality:
    try:
        return tenancy.get_municipality(cbs_code)
    except tenancy.NotFound:
        abort(404)


def _link(step: SetupStep, municipality: Municipality) -> tuple[str, str] | None:
    if step not in WHERE:
        return None
    endpoint, arg, text = WHERE[step]
    kwargs = {}
    if arg == "pk":
        kwargs["pk"] = municipality.id
    elif arg == "cbs_code":
        kwargs["cbs_code"] = municipality.cbs_code
    url = url_for(endpoint, **kwargs)
    if step == SetupStep.CASEWORKER:
        url += f"?_flt_0_organisation={municipality.organisation_id}"
    return url, text


class SetupView(BaseView):
    """Inrichting per gemeente: what is done, what is missing, and where to do it."""

    route_base = "/inrichting"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """Choose a municipality (straight to it when the organisation has one)."""
        found = tenancy.visible_municipalities()
        if len(found) == 1:
            return redirect(url_for(".checklist", cbs_code=found[0].cbs_code))
        rows = [(m, checklist.items(m)) for m in found]
        return self.render_template("setup/index.html", rows=rows, title="Inrichting")

    @expose("/<cbs_code>")
    @has_access
    @permission_name("index")
    def checklist(self, cbs_code: str):
        """The checklist of one municipality, with the first import offered once it is complete."""
        municipality = _municipality(cbs_code)
        items = checklist.items(municipality)
        today = today_nl()
        templates = list(
            db.session.scalars(
                select(Template)
                .where(Template.municipality_id == municipality.id)
                .order_by(Template.id)
            )
        )
        seen = checklist.seen_templates(municipality)
        return self.render_template(
            "setup/checklist.html",
            municipality=municipality,
            items=items,
            links={item.step: _link(item.step, municipality) for item in items},
            complete=all(item.done for item in items),
            policy=[
                (name, municipalities.SETTING_HELP.get(name, ""), getattr(municipality, name))
                for name in municipalities.SETTING_FIELDS
            ],
            limits=assessment.limits_table(municipality, today),
            asset_limits=assessment.asset_limits_table(municipality, today),
            norm_warnings=norms.warnings(today),
            templates=templates,
            seen=seen,
            events=list(TemplateEvent),
            own_email=getattr(current_user(), "email", ""),
            mail_configured=bool(current_app.config.get("SMTP_HOST")),
            public_base=current_app.config["PUBLIC_BASE_URL"],
            today=today,
            title=f"Inrichting {municipality.name}",
        )

    @expose("/<cbs_code>/bevestigen/<step>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def confirm(self, cbs_code: str, step: str):
        """Confirm the policy or the norms after reading them."""
        municipality = _municipality(cbs_code)
        parsed = SetupStep.parse(step)
        if parsed is None:
            abort(404)
        try:
            checklist.confirm(municipality, parsed)
            flash(f"Bevestigd: {parsed.label}.", "success")
        except Refused as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".checklist", cbs_code=cbs_code) + f"#stap-{parsed.name}")

    @expose("/<cbs_code>/testmail", methods=["POST"])
    @has_access
    @permission_name("edit")
    def test_email(self, cbs_code: str):
        """Send a test email now through the configured mail server."""
        municipality = _municipality(cbs_code)
        recipient = (request.form.get("ontvanger") or "").strip()
        try:
            checklist.send_test_email(municipality, recipient, current_user())
            flash(f"Testmail verstuurd naar {recipient}. Kijk in uw mailbox.", "success")
        except Refused as exc:
            flash(f"De testmail is niet verstuurd: {exc.message}", "danger")
        return redirect(url_for(".checklist", cbs_code=cbs_code) + "#stap-TEST_EMAIL")

    @expose("/<cbs_code>/proefuitnodiging", methods=["POST"])
    @has_access
    @permission_name("edit")
    def test_invitation(self, cbs_code: str):
        """Email the invitation to oneself, with a link to the residents' start page."""
        municipality = _municipality(cbs_code)
        try:
            recipient = checklist.send_test_invitation(municipality, current_user())
            flash(
                f"Proefuitnodiging verstuurd naar {recipient}. Open de link in de e-mail, het "
                "liefst op een ander apparaat: zo ziet een inwoner de startpagina.",
                "success",
            )
        except Refused as exc:
            flash(f"De proefuitnodiging is niet verstuurd: {exc.message}", "danger")
        return redirect(url_for(".checklist", cbs_code=cbs_code) + "#stap-TEST_INVITATION")

    @expose("/<cbs_code>/huisstijl", methods=["GET", "POST"])
    @has_access
    @permission_name("index")
    def house_style(self, cbs_code: str):
        """A sample letter (PDF) in the house style; POST shows the unsaved form values."""
        return self._house_style_pdf(_municipality(cbs_code))

    @expose("/gemeente/<int:pk>/huisstijl", methods=["POST"])
    @has_access
    @permission_name("index")
    def house_style_of(self, pk: int):
        """The same sample letter from the municipality's edit form (the unsaved values)."""
        municipality = db.session.get(Municipality, pk)
        if municipality is None or not tenancy.in_scope(Municipality, pk):
            abort(404)
        return self._house_style_pdf(municipality)

    def _house_style_pdf(self, municipality: Municipality) -> Response:
        unsaved = request.form.to_dict() if request.method == "POST" else None
        return pdf(municipalities.house_style_sample(municipality, unsaved),
                   "voorbeeld-huisstijl.pdf")  # fmt: skip
