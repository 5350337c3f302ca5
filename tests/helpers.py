"""Small helpers shared by the test modules."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.formatting import AMSTERDAM
from app.models import Case, Municipality, Organisation
from tests.conftest import csrf_token


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


PASSWORD = "Lang-Genoeg-Wachtwoord-7"
_user_seq = itertools.count(1)


def make_user(app: Any, role: str = "Medewerker", organisation: str = "Gemeente Zwolle") -> str:
    """A fresh user of `organisation`, so throttling one name never locks another test out."""
    name = f"proef{next(_user_seq)}.{role.lower()}"
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.add_user(
            username=name,
            first_name="Proef",
            last_name="Gebruiker",
            email=f"{name}@example.nl",
            role=sm.find_role(role),
            password=PASSWORD,
        )
        user.organisation_id = org(organisation).id
        db.session.commit()
    return name


def form_login(client: Any, username: str, password: str, address: str = "10.0.0.1") -> Any:
    """Post the login form from `address` (the throttle counts per address)."""
    token = csrf_token(client, "/login/")
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )
