"""Form fields the FAB form converter does not offer for our column types."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.fields import EnumField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import BooleanField, StringField
from wtforms.validators import ValidationError

from ..services.onboarding import municipalities


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


UNKNOWN_CHOICE = "Kies een van de mogelijkheden uit de lijst."


class LabeledEnumField(EnumField):
    """FAB's enum select, showing each option's Dutch label instead of its English code."""

    def __init__(self, enum_class: Any, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", Select2Widget())
        super().__init__(enum_class, list(enum_class.__members__), label=label, **kwargs)
        self.choices = [(code, str(enum_class[code])) for code, _label in self.choices]
        members = enum_class.__members__

        def coerce(value: Any) -> Any:
            # FAB's coerce raised KeyError on an unknown code: a 500 for a posted form.
            if value is None or isinstance(value, enum_class):
                return value
            if value not in members:
                raise ValueError(UNKNOWN_CHOICE)
            return members[value]

        self.coerce = coerce

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])
            except ValueError as exc:
                raise ValueError(UNKNOWN_CHOICE) from exc

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            return  # process_formdata said it already
        if self.data is None or not any(self.data == self.coerce(c) for c, _ in self.choices):
            raise ValidationError(UNKNOWN_CHOICE)


def labeled_enum_fields(view: Any, columns: list[str], present: dict[str, Any]) -> dict[str, Any]:
    """A Dutch-labelled select for every enum column of `view` not given a field already."""
    fields = {}
    for name in columns:
        if name in present or not view.datamodel.is_enum(name):
            continue
        enum_class = view.datamodel.list_columns[name].type.enum_class
        fields[name] = LabeledEnumField(
            enum_class,
            label=view.label_columns.get(name, name),
            description=view.description_columns.get(name, ""),
            validators=list(view.validators_columns.get(name, [])),
        )
    return fields
