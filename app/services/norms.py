"""Asset limits: national rows (platform Admin) and municipal overrides (Beheerder)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AssetHouseholdType, AssetLimit
from ..roles import current_user, is_platform_admin
from . import audit, tenancy
from .errors import ValidationError

_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


class Forbidden(Exception):  # noqa: N818 - reads as `except norms.Forbidden`
    """The user may not change this row (a national limit, for a non-Admin)."""


def _parse(data: Any, partial: bool) -> tuple[dict[str, Any], list[dict[str, str | None]]]:
    errors: list[dict[str, str | None]] = []
    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        return {}, [{"veld": None, "melding": "De body moet een JSON-object zijn."}]
    if "valid_from" in data or not partial:
        try:
            values["valid_from"] = dt.date.fromisoformat(str(data.get("valid_from")))
        except ValueError:
            errors.append({"veld": "valid_from", "melding": "Geef een datum (JJJJ-MM-DD)."})
    if "household_type" in data or not partial:
        kind = AssetHouseholdType.parse(str(data.get("household_type")))
        if kind is None:
            errors.append(
                {"veld": "household_type", "melding": "Kies SINGLE, FAMILY of HOME_EQUITY."}
            )
        values["household_type"] = kind
    if "amount" in data or not partial:
        amount = data.get("amount")
        if not isinstance(amount, str) or not _AMOUNT.match(amount):
            errors.append(
                {"veld": "amount", "melding": "Geef een bedrag als tekst, bijvoorbeeld '8000.00'."}
            )
        else:
            try:
                values["amount"] = Decimal(amount)
            except InvalidOperation:
                errors.append({"veld": "amount", "melding": "Geen geldig bedrag."})
    if "verified" in data:
        if not isinstance(data["verified"], bool):
            errors.append({"veld": "verified", "melding": "Geef true of false."})
        values["verified"] = data["verified"]
    if "source" in data:
        if data["source"] is not None and not isinstance(data["source"], str):
            errors.append({"veld": "source", "melding": "Moet tekst zijn."})
        values["source"] = data["source"]
    if "municipality" in data or not partial:
        code = data.get("municipality")
        values["municipality_id"] = None
        if code is not None:
            try:
                values["municipality_id"] = tenancy.get_municipality(str(code)).id
            except tenancy.NotFound:
                errors.append({"veld": "municipality", "melding": "Onbekende gemeente."})
    return values, errors


def guard_national(municipality_id: int | None, user: Any) -> None:
    """Refuse a change to a national limit by anyone but the platform Admin."""
    if municipality_id is None and not is_platform_admin(user):
        raise Forbidden("Alleen de platformbeheerder wijzigt landelijke vermogensgrenzen.")


def save_asset_limit(data: Any, limit_id: int | None = None, user: Any = None) -> AssetLimit:
    """Create (limit_id None) or change an asset limit; Dutch errors per field."""
    user = user if user is not None else current_user()
    values, errors = _parse(data, partial=limit_id is not None)
    if errors:
        raise ValidationError(errors)
    if limit_id is None:
        limit = AssetLimit()
        db.session.add(limit)
    else:
        limit = get_asset_limit(limit_id, user)
        guard_national(limit.municipality_id, user)
    for key, value in values.items():
        setattr(limit, key, value)
    guard_national(limit.municipality_id, user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationError(
            [
                {
                    "veld": "valid_from",
                    "melding": "Voor deze periode en dit huishouden bestaat al een grens.",
                }
            ]
        ) from exc
    audit.object_changed("asset_limit", limit.id, "update" if limit_id else "create", commit=False)
    db.session.commit()
    return limit


def get_asset_limit(limit_id: int, user: Any = None) -> AssetLimit:
    """An asset limit the user may see (national or of their municipalities)."""
    stmt = tenancy.scope(select(AssetLimit).where(AssetLimit.id == limit_id), AssetLimit, user)
    limit = db.session.scalar(stmt)
    if limit is None:
        raise tenancy.NotFound()
    return limit


def delete_asset_limit(limit_id: int, user: Any = None) -> None:
    """Delete a municipal override (or, for the Admin, a national row)."""
    user = user if user is not None else current_user()
    limit = get_asset_limit(limit_id, user)
    guard_national(limit.municipality_id, user)
    db.session.delete(limit)
    audit.object_changed("asset_limit", limit_id, "delete", commit=False)
    db.session.commit()
