"""Gemeenten and their settings ("Beheer > Gemeenten"): Beheerders edit their own."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from ..formatting import label_of, percentage_nl, yes_no
from ..labels import FIELD_LABELS
from ..models import CaseStatus, CheckMode, FourEyes, Municipality
from ..services.legitimacy import assessment
from ..services.onboarding import cbs, municipalities, organisations
from ..services.zgw import settings as zgw_settings
from .base import AuditedChangesMixin, TenantModelView
from .fields import DayListField, optional_booleans
from .outcome import FAILED, perform


class CbsCodeValidator:
    """Only a municipality from this year's CBS list that is not connected yet."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = organisations.cbs_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class OrganisationKindValidator:
    """A municipality's own organisation serves one municipality; an ISD serves several."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = organisations.organisation_problem(field.data)
        if problem:
            raise ValidationError(problem)


def _new_booleans(labels: dict[str, Any], names: list[str]) -> dict[str, BooleanField]:
    """The add form's checkboxes, ticked where a new municipality starts with the setting on."""
    return {
        name: BooleanField(
            labels.get(name, name),
            default=municipalities.NEW_MUNICIPALITY_DEFAULTS.get(name, False),
            description=municipalities.SETTING_HELP.get(name, ""),
        )
        for name in names
    }


OUTCOME_LABELS = {"GRANTED": "Toegekend", "REJECTED": "Afgewezen", "ABORTED": "Afgebroken"}


def _mappings(form: Any) -> dict[str, Any]:
    """The mapping selects of the zaaksysteem form (status_<CODE>, resultaat_<CODE>)."""
    statuses = {s.name: form.get(f"status_{s.name}") for s in CaseStatus}
    results = {code: form.get(f"resultaat_{code}") for code in OUTCOME_LABELS}
    return {
        "zgw_status_mapping": {k: v for k, v in statuses.items() if v} or None,
        "zgw_result_mapping": {k: v for k, v in results.items() if v} or None,
    }


class MunicipalityModelView(AuditedChangesMixin, TenantModelView):
    """Gemeenten and their settings ("Beheer > Algemeen"): Beheerders edit their own."""

    noun = "Gemeente"
    audit_name = "municipality"
    datamodel = SQLAInterface(Municipality)
    route_base = "/gemeenten"
    list_title = show_title = edit_title = add_title = _("Gemeenten")
    list_columns = [
        "cbs_code",
        "name",
        "organisation",
        "check_mode",
        "uses_allowlist",
        "reminders_enabled",
    ]
    settings = municipalities.SETTING_FIELDS
    house_style = municipalities.HOUSE_STYLE_FIELDS
    beschikking = municipalities.BESCHIKKING_FIELDS
    show_fieldsets = [
        (_("Gemeente"), {"fields": ["cbs_code", "name", "organisation"]}),
        (_("Algemeen"), {"fields": settings}),
        (_("Huisstijl"), {"fields": house_style}),
        (_("Beschikking"), {"fields": beschikking}),
    ]
    # The income and asset policy has its own screen ("Inkomens- en vermogensparameters"),
    # which shows the resulting limits, the what-if and recomputes the open cases.
    editable = [name for name in settings if name not in assessment.POLICY_FIELDS]
    edit_columns = editable + house_style + beschikking
    add_columns = ["cbs_code", "name", "organisation", *settings, *house_style]
    search_columns = ["cbs_code", "name", "check_mode"]
    label_columns = {
        "cbs_code": _("CBS-code"),
        "name": _("Naam"),
        "organisation": _("Organisatie"),
        "check_mode": _("Toetsmoment"),
        "uses_allowlist": _("Bestandscheck (allowlist)"),
        "reminders_enabled": _("Herinneringen aan"),
        "reminder_days": _("Herinneren na (dagen)"),
        "module_ockto": _("Module Ockto"),
        "module_legitimacy": _("Module rechtmatigheid"),
        "module_decisions": _("Module besluiten"),
        "four_eyes": _("Vier-ogenprincipe"),
        "income_percentage": _("Inkomensgrens (% van de norm)"),
        "income_includes_holiday_allowance": _("Vergelijken inclusief vakantiegeld"),
        "advice_margin_percentage": _("Marge voor Onderzoeken (%)"),
        "check_assets": _("Vermogen toetsen"),
        "deduct_debts": _("Schulden aftrekken"),
        "max_data_age_days": _("Maximale ouderdom inkomensgegevens (dagen)"),
        "info_request_days": _("Termijn aanvullende informatie (dagen)"),
        "sender_name": _("Afzender"),
        "sender_address": _("Adres afzender"),
        "signature": _("Ondertekening"),
        "footer": _("Voettekst"),
        "primary_color": _("Huisstijlkleur"),
        **{name: FIELD_LABELS[name] for name in municipalities.BESCHIKKING_FIELDS},
    }
    formatters_columns = {
        "check_mode": label_of(CheckMode),
        "four_eyes": label_of(FourEyes),
        "uses_allowlist": yes_no,
        "reminders_enabled": yes_no,
        "module_ockto": yes_no,
        "module_legitimacy": yes_no,
        "module_decisions": yes_no,
        "check_assets": yes_no,
        "deduct_debts": yes_no,
        "income_includes_holiday_allowance": yes_no,
        "reminder_days": lambda v: ", ".join(str(d) for d in v or []),
        "income_percentage": percentage_nl,
        "advice_margin_percentage": percentage_nl,
    }
    base_permissions = ["can_list", "can_show", "can_edit", "can_add"]
    _booleans = [
        "uses_allowlist",
        "reminders_enabled",
        "module_ockto",
        "module_legitimacy",
        "module_decisions",
        "income_includes_holiday_allowance",
        "check_assets",
        "deduct_debts",
    ]
    validators_columns = {
        **{
            name: [NumberRange(low, high, message=municipalities.bound_message(name))]
            for name, (low, high) in municipalities.SETTING_BOUNDS.items()
        },
        "primary_color": [Regexp(municipalities.COLOUR, message=municipalities.COLOUR_MESSAGE)],
        "organisation": [OrganisationKindValidator()],
    }
    description_columns = {
        **municipalities.SETTING_HELP,
        "legal_basis_regulation": _(
            "De gemeentelijke regeling, bijvoorbeeld 'Beleidsregels "
            "collectieve zorgverzekering minima gemeente Zwolle 2026'."
        ),
        "legal_basis_article": _("Bijvoorbeeld 'artikel 35 van de Participatiewet'."),
        "mandate_text": _(
            "De beschikking zegt: 'Dit besluit is genomen <mandaat> door <naam>, <functie>.'"
        ),
        "granted_text": _("Staat onder 'Wat u krijgt' in elke toekenning."),
        "duty_to_report_text": _(
            "Staat onder 'Wijzigingen doorgeven' in elke toekenning: "
            "welke wijzigingen, binnen welke termijn, hoe."
        ),
    }
    edit_form_extra_fields = {
        **optional_booleans(label_columns, _booleans),
        "reminder_days": DayListField(
            label_columns["reminder_days"],
            description=_("Dagen na de uitnodiging, bijvoorbeeld 5, 10, 14."),
        ),
    }
    # A new municipality is chosen from the CBS list and starts with every module,
    # reminders at 5, 10 and 14 days and the asset test on.
    add_form_extra_fields = {
        **_new_booleans(label_columns, _booleans),
        "reminder_days": DayListField(
            label_columns["reminder_days"],
            description=_("Dagen na de uitnodiging, bijvoorbeeld 5, 10, 14."),
            default=[5, 10, 14],
        ),
        "cbs_code": SelectField(
            _("Gemeente (CBS-lijst)"),
            choices=[("", "Kies een gemeente…"), *cbs.choices()],
            validators=[CbsCodeValidator()],
            widget=Select2Widget(),
            description=_("Gemeenten volgens de CBS-indeling van dit jaar; typ om te zoeken."),
        ),
        "name": StringField(
            _("Naam"),
            validators=[Optional()],
            widget=BS3TextFieldWidget(),
            description=_("Leeg laten: de naam uit de CBS-lijst."),
        ),
    }

    show_template = "municipality/show.html"
    edit_template = "municipality/edit.html"
    add_title = _("Gemeente toevoegen")

    def render_template(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault(
            "can_edit", self.appbuilder.sm.has_access("can_edit", self.class_permission_name)
        )
        return super().render_template(template, **kwargs)

    @expose("/logo/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def logo(self, pk: int):
        """Upload the logo for letters (PNG or JPEG, checked by content)."""
        municipality = self.datamodel.get(pk, self._base_filters)
        if municipality is None:
            abort(404)
        upload = request.files.get("logo")
        try:
            municipalities.set_logo(municipality, upload.read() if upload else b"")
            flash("Logo opgeslagen.", "success")
        except ValueError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".show", pk=pk))

    @expose("/zaaksysteem/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def zaaksysteem(self, pk: int):
        """Beheer > Gemeenten > Zaaksysteem: the ZGW settings, checked on save; a test button."""
        municipality = perform(lambda: zgw_settings.for_screen(pk))
        form = request.form
        tested = None
        if request.method == "POST":
            changes = {name: (form.get(name) or "").strip() or None
                       for name in zgw_settings.FIELDS if name in form}  # fmt: skip
            changes["zgw_enabled"] = form.get("zgw_enabled") == "y"
            changes.update(_mappings(form))
            if form.get("actie") == "testen":
                tested = perform(lambda: zgw_settings.connection_check(pk))
            elif perform(lambda: zgw_settings.save(pk, changes),
                         "Instellingen van het zaaksysteem opgeslagen.") is not FAILED:  # fmt: skip
                return redirect(url_for(".zaaksysteem", pk=pk))
        return self.render_template(
            "municipality/zaaksysteem.html", municipality=municipality, tested=tested,
            form_values=form if request.method == "POST" else None,
            statuses=list(CaseStatus), outcomes=OUTCOME_LABELS, labels=FIELD_LABELS,
            title=f"Zaaksysteem van {municipality.name}",
        )  # fmt: skip

    def pre_add(self, item: Municipality) -> None:
        item.name = (item.name or "").strip() or cbs.name_of(item.cbs_code) or item.cbs_code
        item.sender_name = item.sender_name or f"Gemeente {item.name}"

    def post_add(self, item: Municipality) -> None:
        municipalities.created(item)
        g.added_municipality = item.organisation_id

    def post_add_redirect(self) -> Any:
        """After adding a municipality, back to its organisation: next come its users."""
        organisation_id = g.pop("added_municipality", None)
        if organisation_id is not None and self.appbuilder.sm.has_access(
            "can_show", "OrganisationModelView"
        ):
            return redirect(url_for("OrganisationModelView.show", pk=organisation_id))
        return super().post_add_redirect()
