"""Small helpers shared by the test modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.formatting import AMSTERDAM
from app.models import Case, Municipality, Organisation


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def municipality(cbs_code: str) -> Municipality:
    return db.session.scalar(select(Municipality).where(Municipality.cbs_code == cbs_code))


def cases_of(*cbs_codes: str) -> list[Case]:
    stmt = (
        select(Case)
        .join(Municipality)
        .where(Municipality.cbs_code.in_(cbs_codes))
        .order_by(Case.id)
    )
    return list(db.session.scalars(stmt))


def first(model: Any, *where: Any) -> Any:
    return db.session.scalar(select(model).where(*where).order_by(model.id).limit(1))


ZWOLLE = ("0193",)
BOLLENSTREEK = ("0534", "0553", "1525")


def dutch_today() -> dt.date:
    """Today in the Netherlands, as the services count days (UTC differs around midnight)."""
    return dt.datetime.now(AMSTERDAM).date()
