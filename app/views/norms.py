"""Landelijke normen and vermogensgrenzen: a new norm period, warnings, recomputation."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from wtforms.validators import ValidationError

from ..formatting import amount_nl, date_nl, datetime_nl, label_of, today_nl, yes_no
from ..models import AssetHouseholdType, AssetLimit, HouseholdType, NationalNorm
from ..roles import current_user, is_platform_admin
from ..services import errors
from ..services.legitimacy import assessment, norms
from .base import AuditedChangesMixin, TenantModelView


def _period_start(form: Any, field: Any) -> None:
    error = norms.period_start_error(field.data)
    if error:
        raise ValidationError(error)


class RecomputeMixin:
    """After a change through FAB's own forms, recompute the open cases it affects."""

    def _recompute(self, municipality_id: int | None) -> None:
        count = assessment.recompute_open(
            [municipality_id] if municipality_id else None, "normen gewijzigd"
        )
        flash(f"{count} open zaak/zaken met gegevens herberekend.", "info")

    def post_add(self, item: Any) -> None:
        super().post_add(item)
        self._recompute(getattr(item, "municipality_id", None))

    def post_update(self, item: Any) -> None:
        super().post_update(item)
        self._recompute(getattr(item, "municipality_id", None))

    def post_delete(self, item: Any) -> None:
        super().post_delete(item)
        self._recompute(getattr(item, "municipality_id", None))


NORM_LABELS = {
    "valid_from": _("Geldig vanaf"),
    "household_type": _("Huishouden"),
    "amount": _("Bedrag"),
    "verified": _("Bevestigd"),
    "source": _("Bron"),
    "municipality": _("Gemeente (leeg: landelijk)"),
    "changed_on": _("Gewijzigd op"),
}
NORM_FORMATTERS = {
    "valid_from": date_nl,
    "amount": amount_nl,
    "verified": yes_no,
    "changed_on": datetime_nl,
}


class NationalNormModelView(RecomputeMixin, AuditedChangesMixin, TenantModelView):
    """Landelijke normen (incl. vakantiegeld); the platform Admin maintains them."""

    noun = "Landelijke norm"
    audit_name = "national_norm"
    datamodel = SQLAInterface(NationalNorm)
    route_base = "/normen"
    list_title = show_title = add_title = edit_title = _("Landelijke normen")
    list_columns = ["valid_from", "household_type", "amount", "verified"]
    show_columns = ["valid_from", "household_type", "amount", "verified", "source", "changed_on"]
    add_columns = edit_columns = ["valid_from", "household_type", "amount", "verified", "source"]
    search_columns = ["valid_from", "household_type", "verified"]
    base_order = ("valid_from", "desc")
    label_columns = NORM_LABELS
    formatters_columns = {**NORM_FORMATTERS, "household_type": label_of(HouseholdType)}
    validators_columns = {"valid_from": [_period_start]}
    list_template = "norms/list.html"

    def render_template(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("norm_warnings", norms.warnings(today_nl()))
        kwargs.setdefault(
            "can_add_period", self.appbuilder.sm.has_access("can_add", self.class_permission_name)
        )
        return super().render_template(template, **kwargs)

    @expose("/periode", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def add_period(self):
        """Add a period of national norms (five household types) and recompute open cases."""
        form = {"valid_from": "", "verified": False, "source": "", "bedragen": {}}
        problems: list[dict[str, Any]] = []
        if request.method == "POST":
            form = {
                "valid_from": request.form.get("valid_from", "").strip(),
                "verified": request.form.get("verified") == "y",
                "source": request.form.get("source", "").strip() or None,
                "bedragen": {
                    k.name: request.form.get(k.name, "").strip().replace(",", ".")
                    for k in HouseholdType
                },
            }
            try:
                rows, count = norms.add_norm_period(form)
            except errors.Forbidden:
                abort(403)
            except errors.ValidationError as exc:
                problems = exc.errors
            else:
                flash(
                    f"Normen vanaf {rows[0].valid_from:%d-%m-%Y} toegevoegd; {count} open "
                    "zaak/zaken met gegevens herberekend.",
                    "success",
                )
                return redirect(url_for(".list"))
        return self.render_template(
            "norms/period.html",
            form=form,
            problems=problems,
            kinds=list(HouseholdType),
            title="Nieuwe normperiode",
        )


class AssetLimitModelView(RecomputeMixin, AuditedChangesMixin, TenantModelView):
    """Vermogensgrenzen: national rows by the Admin, municipal overrides by the Beheerder."""

    noun = "Vermogensgrens"
    audit_name = "asset_limit"
    datamodel = SQLAInterface(AssetLimit)
    route_base = "/vermogensgrenzen"
    list_title = show_title = add_title = edit_title = _("Vermogensgrenzen")
    list_columns = ["valid_from", "household_type", "amount", "municipality", "verified"]
    show_columns = [
        "valid_from",
        "household_type",
        "amount",
        "municipality",
        "verified",
        "source",
        "changed_on",
    ]
    add_columns = edit_columns = [
        "valid_from",
        "household_type",
        "amount",
        "municipality",
        "verified",
        "source",
    ]
    search_columns = ["valid_from", "household_type", "municipality", "verified"]
    base_order = ("valid_from", "desc")
    label_columns = NORM_LABELS
    formatters_columns = {**NORM_FORMATTERS, "household_type": label_of(AssetHouseholdType)}
    validators_columns = {"valid_from": [_period_start]}
    list_template = "norms/list.html"

    def render_template(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("norm_warnings", norms.warnings(today_nl()))
        return super().render_template(template, **kwargs)

    def _national_ids(self) -> set[int]:
        """National rows a Beheerder sees but only the platform Admin changes."""
        if is_platform_admin(current_user()):
            return set()
        return set(
            self.datamodel.session.scalars(
                select(AssetLimit.id).where(AssetLimit.municipality_id.is_(None))
            )
        )

    def _get_list_widget(self, filters: Any, **kwargs: Any) -> dict[str, Any]:
        kwargs["locked_rows"] = self._national_ids()
        return super()._get_list_widget(filters, **kwargs)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: int):
        """Edit a municipal limit; a national one says who changes it instead of failing."""
        if pk in self._national_ids():
            flash("Landelijke vermogensgrenzen wijzigt de platformbeheerder. Voeg voor uw "
                  "gemeente een eigen grens toe als die afwijkt.", "info")  # fmt: skip
            return redirect(url_for(".show", pk=pk))
        return super().edit(pk)

    def _check_national(self, item: AssetLimit) -> None:
        municipality_id = item.municipality.id if item.municipality else item.municipality_id
        norms.guard_national(municipality_id, current_user())

    def pre_add(self, item: AssetLimit) -> None:
        self._check_national(item)

    def pre_update(self, item: AssetLimit) -> None:
        self._check_national(item)

    def pre_delete(self, item: AssetLimit) -> None:
        self._check_national(item)
