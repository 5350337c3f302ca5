"""/api/v1/municipality/: municipalities and their settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, g, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import ValidationError, validate
from sqlalchemy import inspect

from ..extensions import db
from ..models import Municipality, Organisation
from ..models.types import utcnow
from ..services.errors import ValidationError as InputError
from ..services.legitimacy import assessment
from ..services.onboarding import cbs, municipalities, organisations
from ..services.security import audit
from ..services.zgw import events as zgw_events
from ..services.zgw import settings as zgw_settings
from ..web.tenancy import TENANT
from .common import RestApi, answer, errors


def _validate_reminder_days(value: Any) -> None:
    error = municipalities.reminder_days_error(value)
    if error:
        raise ValidationError(error)


def _validate_cbs_code(value: Any) -> None:
    problem = organisations.cbs_code_problem(value)
    if problem:
        raise ValidationError(problem)


def _setting_validators() -> dict[str, Any]:
    bounds = {
        name: validate.Range(low, high, error=municipalities.bound_message(name))
        for name, (low, high) in municipalities.SETTING_BOUNDS.items()
    }
    colour = validate.Regexp(municipalities.COLOUR, error=municipalities.COLOUR_MESSAGE)
    return {
        **bounds,
        "primary_color": colour,
        "reminder_days": _validate_reminder_days,
        "cbs_code": _validate_cbs_code,
    }


class MunicipalityApi(RestApi):
    """Municipalities and their settings; Beheerders change their own, the Admin creates."""

    noun = ("Gemeente", "Gemeenten")
    resource_name = "municipality"
    datamodel = SQLAInterface(Municipality)
    include_route_methods = {"get", "get_list", "info", "put", "post", "what_if", "recompute"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "cbs_code",
        "name",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
        *municipalities.BESCHIKKING_FIELDS,
        *zgw_settings.READABLE_FIELDS,  # never the secret
    ]
    edit_columns = [
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
        *municipalities.BESCHIKKING_FIELDS,
        *zgw_settings.FIELDS,  # the secret write-only
    ]
    add_columns = [
        "cbs_code",
        "name",
        "organisation",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
    ]
    validators_columns = _setting_validators()

    def add_apispec_components(self, api_spec: Any) -> None:
        """FAB's schemas, with the percentages as decimal strings, as the contract gives them."""
        super().add_apispec_components(api_spec)
        for name, schema in api_spec.components.schemas.items():
            if not name.startswith("MunicipalityApi."):
                continue
            for field, (low, high) in municipalities.SETTING_BOUNDS.items():
                prop = (schema.get("properties") or {}).get(field)
                if prop is not None and isinstance(low, Decimal):
                    prop.clear()
                    prop.update(
                        type="string",
                        pattern=r"^\d{1,3}(\.\d{1,2})?$",
                        description=f"decimaal als tekst, van {low} tot en met {high}",
                        example=str(low),
                    )

    search_columns = ["cbs_code", "name", "check_mode"]

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # Settings have sensible defaults on the model, so a new municipality needs
        # only its CBS code, name and organisation.
        # The name comes from the CBS list when none is given.
        for name in (*municipalities.SETTING_FIELDS, *municipalities.HOUSE_STYLE_FIELDS, "name"):
            if name in self.add_model_schema.fields:
                self.add_model_schema.fields[name].required = False

    def post_headless(self) -> Response:
        """FAB's create, refusing first a second municipality under a municipality's own."""
        body = request.get_json(silent=True)
        chosen = body.get("organisation") if isinstance(body, dict) else None
        if isinstance(chosen, int) and not isinstance(chosen, bool):
            organisation = db.session.get(Organisation, chosen)
            # An unknown id is left to FAB's own check of the relation.
            problem = organisations.organisation_problem(organisation) if organisation else None
            if problem:
                return self.response_422(message={"organisation": [problem]})
        return super().post_headless()

    def pre_add(self, item: Municipality) -> None:
        item.name = (item.name or "").strip() or cbs.name_of(item.cbs_code) or item.cbs_code
        item.sender_name = item.sender_name or f"Gemeente {item.name}"
        for name, value in municipalities.NEW_MUNICIPALITY_DEFAULTS.items():
            if getattr(item, name) is None:
                setattr(item, name, value)

    def post_add(self, item: Municipality) -> None:
        municipalities.created(item)

    def put_headless(self, pk: Any) -> Response:
        """FAB's update; zaaksysteem settings are first checked against its Catalogi."""
        body = request.get_json(silent=True)
        if isinstance(body, dict) and any(name in zgw_settings.FIELDS for name in body):
            item = self._visible(pk)
            if item is not None:
                try:
                    g.zgw_checked = zgw_settings.check(zgw_settings.values_of(item, body))
                except InputError as exc:
                    return errors(422, exc.errors)
        return super().put_headless(pk)

    def pre_update(self, item: Municipality) -> None:
        state = inspect(item)
        if not item.zgw_secret and state.attrs.zgw_secret.history.deleted:
            # An empty secret in a form or body keeps the stored one (it is write-only).
            item.zgw_secret = state.attrs.zgw_secret.history.deleted[0]
        for name, value in (g.pop("zgw_checked", None) or {}).items():
            setattr(item, name, value)
        enabled = state.attrs.zgw_enabled.history
        if item.zgw_enabled and enabled.has_changes() and not any(enabled.deleted):
            zgw_events.register_open_cases(item.id, utcnow())
        # Remember whether the income and asset policy changed, to recompute after saving.
        self._policy_changed = any(
            state.attrs[name].history.has_changes() for name in assessment.POLICY_FIELDS
        )

    def post_update(self, item: Municipality) -> None:
        audit.object_changed("municipality", item.id, "update")
        if getattr(self, "_policy_changed", False):
            assessment.recompute_open([item.id], "beleid gewijzigd")

    def _visible(self, pk: int) -> Municipality | None:
        return self.datamodel.get(pk, self._base_filters)

    @expose("/<int:pk>/what-if", methods=["POST"])
    @protect()
    @safe
    @permission_name("what_if")
    def what_if(self, pk: int) -> Response:
        """How the open cases with data would move under other parameters (nothing saved).
        ---
        post:
          summary: What-if of the income and asset policy (read-only, audited)
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  additionalProperties: false
                  properties:
                    income_percentage:
                      type: string
                      pattern: "^[0-9]{1,3}([.][0-9]{1,2})?$"
                    advice_margin_percentage:
                      type: string
                      pattern: "^[0-9]{1,3}([.][0-9]{1,2})?$"
                    max_data_age_days:
                      type: integer
                    income_includes_holiday_allowance:
                      type: boolean
                    check_assets:
                      type: boolean
                    deduct_debts:
                      type: boolean
          responses:
            200:
              description: zaken, gewijzigd, verschuivingen [{van, naar, zaken, verzekerden}]
            403:
              description: No legitimacy module
            404:
              description: Not a municipality of this user
            422:
              description: Invalid parameters
        """
        municipality = self._visible(pk)
        if municipality is None:
            return errors(404, [{"veld": None, "melding": "Gemeente niet gevonden."}])
        body = request.get_json(silent=True)
        return answer(
            lambda: assessment.what_if(municipality, assessment.parse_policy(body)),
            lambda result: self.response(200, **assessment.what_if_json(result)),
        )

    @expose("/<int:pk>/recompute", methods=["POST"])
    @protect()
    @safe
    @permission_name("recompute")
    def recompute(self, pk: int) -> Response:
        """Recompute the advice of the municipality's open cases with data.
        ---
        post:
          summary: Herbereken open zaken
          parameters:
          - pk
          responses:
            200:
              description: herberekend (count)
            404:
              description: Not a municipality of this user
        """
        municipality = self._visible(pk)
        if municipality is None:
            return errors(404, [{"veld": None, "melding": "Gemeente niet gevonden."}])
        count = assessment.recompute_open([municipality.id], "handmatig herberekend")
        return self.response(200, herberekend=count)
