"""Form fields the FAB form converter does not offer for our column types."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from wtforms import BooleanField, StringField
from wtforms.validators import ValidationError

from ..services import municipalities


class DayListField(StringField):
    """A list of whole days typed as "5, 10, 14"; stored as a JSON list of ints."""

    widget = BS3TextFieldWidget()

    def _value(self) -> str:
        if isinstance(self.data, list):
            return ", ".join(str(d) for d in self.data)
        return super()._value()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = []
        self._error = None
        text = (valuelist[0] if valuelist else "").strip().strip("[]")
        if not text:
            return
        try:
            days = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            self._error = "Geef hele dagen, gescheiden door komma's, bijvoorbeeld 5, 10, 14."
            return
        self.data = days

    def pre_validate(self, form: Any) -> None:
        if getattr(self, "_error", None):
            raise ValidationError(self._error)
        error = municipalities.reminder_days_error(self.data or [])
        if error:
            raise ValidationError(error)


def optional_booleans(labels: dict[str, Any], names: list[str]) -> dict[str, BooleanField]:
    """Checkboxes that may be left unticked (FAB marks non-null booleans as required)."""
    return {name: BooleanField(labels.get(name, name)) for name in names}
