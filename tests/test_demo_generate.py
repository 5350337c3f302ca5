"""`flask demo generate`: many realistic cases with bulk inserts, usable by every screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Case, CaseEvent, Delivery, DeliveryPerson, Municipality, Resident, User
from app.models.enums import CaseStatus
from tests.conftest import build_app, login, own_database


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    tmp: Path = tmp_path_factory.mktemp("generate")
    app = build_app(own_database("generate", tmp), tmp)
    with app.app_context():
        before = _db.session.scalar(select(func.max(Case.id)))
    result = app.test_cli_runner().invoke(
        args=["demo", "generate", "--cases", "400", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "400 zaken toegevoegd" in result.output
    yield app, before
    with app.app_context():
        _db.engine.dispose()


def test_generated_cases_are_complete_households_with_timeline(generated):
    app, before = generated
    with app.app_context():
        cases = _db.session.scalars(select(Case).where(Case.id > before)).all()
        assert len(cases) == 400
        statuses = {c.status for c in cases}
        assert {CaseStatus.NEW, CaseStatus.INVITED, CaseStatus.DECIDED} <= statuses
        for case in cases:
            assert case.applicant.bsn and case.municipality is not None
            events = _db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
            assert events.first() is not None
            if case.status in (CaseStatus.DATA_RECEIVED, CaseStatus.DECIDED):
                delivery = case.deliveries[-1]
                applicant = next(p for p in delivery.persons if p.resident_id == case.applicant_id)
                assert applicant.bsn == case.applicant.bsn
                assert case.advice is not None and case.advice_calculation
        bsns = _db.session.scalars(select(Resident.bsn)).all()
        assert len(bsns) == len(set(bsns)), "every generated BSN is new"


def test_generated_cases_show_on_the_screens_and_new_rows_still_get_ids(generated):
    app, before = generated
    with app.app_context():
        organisation = _db.session.scalar(
            select(User.organisation_id).where(User.username == "beheerder.zwolle")
        )
        case_id = _db.session.scalar(
            select(Case.id)
            .join(Municipality, Case.municipality_id == Municipality.id)
            .where(Case.id > before, Municipality.organisation_id == organisation)
            .where(Case.status == CaseStatus.DECIDED)
            .limit(1)
        )
    client = login(app, "beheerder.zwolle")
    assert client.get(f"/zaken/show/{case_id}").status_code == 200
    assert client.get("/zaken/list/?psize_CaseModelView=100").status_code == 200
    assert client.get("/").status_code == 200
    with app.app_context():  # PostgreSQL's sequences were moved past the explicit ids
        highest = _db.session.scalar(select(func.max(Resident.id)))
        resident = Resident(municipality_id=1, bsn="000000000", surname="Nieuw")
        _db.session.add(resident)
        _db.session.commit()  # an unmoved sequence would hand out a taken id here
        assert resident.id > highest
        person = _db.session.scalar(select(func.max(DeliveryPerson.id)))
        assert person and _db.session.scalar(select(func.count(Delivery.id))) > 0
