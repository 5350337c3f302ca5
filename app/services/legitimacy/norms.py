"""Norms and asset limits: national rows (platform Admin) and municipal overrides (Beheerder).

Every change recomputes the advice of the open cases it affects, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import AssetHouseholdType, AssetLimit, HouseholdType, NationalNorm
from ...roles import current_user, is_platform_admin
from .. import tenancy
from ..errors import Forbidden, ValidationError
from ..security import audit
from ..unit import transactional
from . import advice, assessment

_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


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


@transactional
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
    audit.object_changed("asset_limit", limit.id, "update" if limit_id else "create")
    assessment.recompute_open(
        [limit.municipality_id] if limit.municipality_id else None,
        "vermogensgrens gewijzigd",
    )
    return limit


def get_asset_limit(limit_id: int, user: Any = None) -> AssetLimit:
    """An asset limit the user may see (national or of their municipalities)."""
    stmt = tenancy.scope(select(AssetLimit).where(AssetLimit.id == limit_id), AssetLimit, user)
    limit = db.session.scalar(stmt)
    if limit is None:
        raise tenancy.NotFound()
    return limit


@transactional
def delete_asset_limit(limit_id: int, user: Any = None) -> None:
    """Delete a municipal override (or, for the Admin, a national row)."""
    user = user if user is not None else current_user()
    limit = get_asset_limit(limit_id, user)
    guard_national(limit.municipality_id, user)
    scope = [limit.municipality_id] if limit.municipality_id else None
    db.session.delete(limit)
    audit.object_changed("asset_limit", limit_id, "delete")
    db.session.flush()
    assessment.recompute_open(scope, "vermogensgrens verwijderd")


# --- National norms: periods, warnings ----------------------------------------------------

STALE_AFTER_MONTHS = 6


def period_start_error(day: dt.date | None) -> str | None:
    """Norms change each 1 January and 1 July: any other start date is refused."""
    if day is None:
        return "Geef een datum (JJJJ-MM-DD)."
    if (day.month, day.day) not in ((1, 1), (7, 1)):
        return "Een periode begint op 1 januari of 1 juli."
    return None


def _amount(value: Any, field: str, errors: list[dict[str, str | None]]) -> Decimal | None:
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        errors.append(
            {"veld": field, "melding": "Geef een bedrag als tekst, bijvoorbeeld '1401.50'."}
        )
        return None
    amount = Decimal(value.strip())
    if amount <= 0:
        errors.append({"veld": field, "melding": "Een norm is groter dan 0."})
        return None
    return amount


@transactional
def add_norm_period(data: Any, user: Any = None) -> tuple[list[NationalNorm], int]:
    """Add a period of national norms (all five household types) and recompute open cases.

    `data`: {"valid_from": "2026-07-01", "bedragen": {"SINGLE": "1401.50", ...},
    "verified": bool, "source": str}. Returns the new rows and how many open cases were
    recomputed, all in one transaction.
    """
    user = user if user is not None else current_user()
    if not is_platform_admin(user):
        raise Forbidden("Alleen de platformbeheerder voegt landelijke normen toe.")
    if not isinstance(data, dict):
        raise ValidationError([{"veld": None, "melding": "De body moet een JSON-object zijn."}])
    errors: list[dict[str, str | None]] = []
    try:
        valid_from: dt.date | None = dt.date.fromisoformat(str(data.get("valid_from")))
    except ValueError:
        valid_from = None
    error = period_start_error(valid_from)
    if error:
        errors.append({"veld": "valid_from", "melding": error})
    elif db.session.scalar(select(NationalNorm.id).where(NationalNorm.valid_from == valid_from)):
        errors.append(
            {"veld": "valid_from", "melding": f"De periode vanaf {valid_from:%d-%m-%Y} bestaat al."}
        )
    amounts = data.get("bedragen")
    if not isinstance(amounts, dict):
        amounts = {}
        errors.append({"veld": "bedragen", "melding": "Geef per huishouden een bedrag."})
    values = {}
    for kind in HouseholdType:
        values[kind] = _amount(amounts.get(kind.name), f"bedragen.{kind.name}", errors)
    unknown = sorted(set(amounts) - {k.name for k in HouseholdType})
    if unknown:
        errors.append(
            {"veld": "bedragen", "melding": f"Onbekend huishouden: {', '.join(unknown)}."}
        )
    verified = data.get("verified", False)
    if not isinstance(verified, bool):
        errors.append({"veld": "verified", "melding": "Geef true of false."})
    source = data.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 500):
        errors.append({"veld": "source", "melding": "Tekst van hoogstens 500 tekens."})
    if errors:
        raise ValidationError(errors)
    rows = [
        NationalNorm(
            valid_from=valid_from,
            household_type=kind,
            amount=amount,
            verified=verified,
            source=source,
        )
        for kind, amount in values.items()
    ]
    db.session.add_all(rows)
    db.session.flush()
    audit.object_changed("national_norm", valid_from.isoformat(), "add_period")
    recomputed = assessment.recompute_open(None, "nieuwe normen")
    return rows, recomputed


def warnings(today: dt.date, user: Any = None) -> list[str]:
    """Dutch warnings for beheerders: unverified rows in use, and a newest period too old."""
    found = []
    newest = db.session.scalar(select(func.max(NationalNorm.valid_from)))
    if newest is None:
        found.append("Er zijn geen landelijke normen: er kan geen advies worden berekend.")
    elif today >= advice.add_months(newest, STALE_AFTER_MONTHS):
        found.append(
            f"De nieuwste landelijke normen gelden vanaf {newest:%d-%m-%Y}, meer dan zes maanden "
            "geleden. Normen wijzigen per 1 januari en 1 juli: voeg de nieuwe periode toe."
        )
    limits = tenancy.scope(select(func.max(AssetLimit.valid_from)), AssetLimit, user)
    newest_limit = db.session.scalar(limits)
    if newest_limit is not None and today >= advice.add_months(newest_limit, STALE_AFTER_MONTHS):
        found.append(
            f"De nieuwste vermogensgrenzen gelden vanaf {newest_limit:%d-%m-%Y}, meer dan zes "
            "maanden geleden. Controleer of er nieuwe grenzen zijn."
        )
    unverified = db.session.scalar(
        select(func.count(NationalNorm.id)).where(NationalNorm.verified.is_(False))
    )
    unverified_limits = db.session.scalar(
        tenancy.scope(
            select(func.count(AssetLimit.id)).where(AssetLimit.verified.is_(False)),
            AssetLimit,
            user,
        )
    )
    if unverified or unverified_limits:
        found.append(
            f"Niet bevestigd: {unverified} landelijke norm(en) en {unverified_limits} "
            "vermogensgrens(en) uit een secundaire bron. Controleer ze (Staatscourant) en "
            "zet ze op bevestigd."
        )
    return found
