"""/api/v1/municipality/: municipalities and their settings."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import ValidationError, validate

from ..models import Municipality
from ..services import audit, municipalities
from .common import TENANT


def _validate_reminder_days(value: Any) -> None:
    error = municipalities.reminder_days_error(value)
    if error:
        raise ValidationError(error)


def _setting_validators() -> dict[str, Any]:
    bounds = {
        name: validate.Range(low, high, error=municipalities.bound_message(name))
        for name, (low, high) in municipalities.SETTING_BOUNDS.items()
    }
    colour = validate.Regexp(municipalities.COLOUR, error=municipalities.COLOUR_MESSAGE)
    return {**bounds, "primary_color": colour, "reminder_days": _validate_reminder_days}


class MunicipalityApi(ModelRestApi):
    """Municipalities and their settings; Beheerders change their own, the Admin creates."""

    resource_name = "municipality"
    datamodel = SQLAInterface(Municipality)
    include_route_methods = {"get", "get_list", "info", "put", "post"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "cbs_code",
        "name",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
    ]
    edit_columns = [*municipalities.SETTING_FIELDS, *municipalities.HOUSE_STYLE_FIELDS]
    add_columns = [
        "cbs_code",
        "name",
        "organisation",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
    ]
    validators_columns = _setting_validators()
    search_columns = ["cbs_code", "name", "check_mode"]

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # Settings have sensible defaults on the model, so a new municipality needs
        # only its CBS code, name and organisation.
        for name in (*municipalities.SETTING_FIELDS, *municipalities.HOUSE_STYLE_FIELDS):
            if name in self.add_model_schema.fields:
                self.add_model_schema.fields[name].required = False

    def post_add(self, item: Municipality) -> None:
        municipalities.created(item)

    def post_update(self, item: Municipality) -> None:
        audit.object_changed("municipality", item.id, "update")
