"""Building cases for tests through the same models the services use."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from app.demo import make_bsn
from app.extensions import db
from app.models import Case, CaseKind, CaseStatus, ContactPreference, Resident
from tests.helpers import municipality

_seq = itertools.count(1)
_rng = random.Random(77)
_taken: set[str] = set()


def new_case(
    cbs_code: str = "0193",
    kind: CaseKind = CaseKind.REASSESSMENT,
    preference: ContactPreference = ContactPreference.EMAIL,
    status: CaseStatus = CaseStatus.NEW,
    email: str | None = "inwoner@example.nl",
    surname: str = "Yılmaz",
) -> Case:
    """A committed case with an applicant that has an email and a postal address."""
    n = next(_seq)
    m = municipality(cbs_code)
    applicant = Resident(
        municipality=m,
        bsn=make_bsn(_rng, _taken),
        initials="A.",
        prefix="van",
        surname=surname,
        birth_date=dt.date(1980, 1, 1),
        email=email,
        street="Teststraat",
        house_number=str(n),
        postcode="8011 AB",
        city="Zwolle",
    )
    case = Case(
        municipality=m,
        kind=kind,
        status=status,
        applicant=applicant,
        contact_preference=preference,
        contract_number=f"TST-{n:06d}" if kind == CaseKind.REASSESSMENT else None,
        application_number=f"GV-TST-{n:06d}" if kind == CaseKind.APPLICATION else None,
    )
    db.session.add(case)
    db.session.commit()
    return case


def invited_case(
    cbs_code: str = "0193",
    preference: ContactPreference = ContactPreference.EMAIL,
    partner: bool = False,
    children: int = 0,
    email: str | None = "inwoner@example.nl",
) -> tuple[Case, str]:
    """A committed INVITED case with an invitation (token), optionally with a known partner."""
    from app.services.ockto import invitations

    case = new_case(cbs_code, preference=preference, email=email)
    if partner:
        case.partner = person(cbs_code, "Jansen", dt.date(1982, 7, 14))
    for n in range(children):
        case.children.append(person(cbs_code, case.applicant.surname, dt.date(2014 + n, 3, 2)))
    case.children_count = children
    invitation = invitations.issue(case)
    case.status = CaseStatus.INVITED
    db.session.commit()
    return case, invitation.token


def person(cbs_code: str, surname: str, born: dt.date) -> Resident:
    """A resident of the municipality with a fresh BSN."""
    resident = Resident(
        municipality=municipality(cbs_code),
        bsn=make_bsn(_rng, _taken),
        initials="M.",
        surname=surname,
        birth_date=born,
    )
    db.session.add(resident)
    return resident
