"""Column types shared by the models."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Enum, TypeDecorator

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class TZDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC, also on SQLite, which drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times are timezone-aware")
        return value.astimezone(dt.UTC)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        # Comparisons (a list filtered on "after 1 November 08:00") may use a typed,
        # naive moment: it is Dutch time. Stored values stay strictly aware.
        return ComparedTZDateTime()

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class LabeledEnum(enum.Enum):
    """An enum written as `CODE = "Dutch label"`: value and name are the English code.

    The code is what the database, the REST API and exports carry; `label` and `str()`
    give the Dutch text for screens and letters.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._value_ = self._name_

    @classmethod
    def _missing_(cls, value: object) -> LabeledEnum | None:
        return cls.__members__.get(value) if isinstance(value, str) else None

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, code: str) -> LabeledEnum | None:
        """The member for an English code, or None."""
        return cls.__members__.get(code)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """A portable enum column storing the English code as a string (no native DB enum)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        create_constraint=False,
        values_callable=lambda e: [m.name for m in e],
    )


class ComparedTZDateTime(TZDateTime):
    """The bound side of a comparison with a TZDateTime column: naive means Dutch time."""

    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=DUTCH_TIME)
        return super().process_bind_param(value, dialect)
