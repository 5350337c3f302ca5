"""An online application for each policy scenario, sent by the application site (signed),
appears on the caseworker's screen with the status, decision and messages that policy
gives it."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AllowlistEntry, Municipality
from app.services.bsn import generate as make_bsn
from tests.e2e.conftest import log_in
from tests.e2e.conftest import send_application as _send
from tests.helpers import payload

SCENARIOS = [
    # (municipality, how the application gets there, caseworker, status, decision, timeline)
    ("0534", "toetsen vooraf", "medewerker.bollenstreek", "Uitnodiging verzonden", "—",
     "Uitnodiging Ockto verzonden"),
    ("0553", "toetsen achteraf", "medewerker.bollenstreek", "Besluit genomen",
     "Toegekend zonder onderzoek", "Besluit: Toegekend zonder onderzoek"),
    ("0193", "op de bestandscheck", "medewerker.zwolle", "Besluit genomen",
     "Toegekend o.b.v. bestandscheck", "Besluit: Toegekend o.b.v. bestandscheck"),
    ("1525", "zonder module Ockto", "medewerker.bollenstreek", "Nieuw", "—",
     "wacht op handmatige behandeling"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cbs", "how", "caseworker", "status", "decision", "event"), SCENARIOS,
    ids=[s[1] for s in SCENARIOS],
)  # fmt: skip
def test_an_online_application_appears_as_its_policy_says(
    new_page, live, cbs, how, caseworker, status, decision, event
):
    rng = random.Random(cbs)
    with live.app.app_context():
        municipality = db.session.scalar(select(Municipality).where(Municipality.cbs_code == cbs))
        if how == "op de bestandscheck":
            applicant = db.session.scalar(
                select(AllowlistEntry.bsn).where(AllowlistEntry.municipality_id == municipality.id)
            )
        else:
            applicant = make_bsn(rng, set())
        if how == "zonder module Ockto":
            db.session.execute(update(Municipality).where(Municipality.id == municipality.id)
                               .values(module_ockto=False))  # fmt: skip
            db.session.commit()
        db.session.remove()
    body = payload(cbs, applicant_bsn=applicant)
    body["aanvrager"]["email"] = f"aanvraag.{cbs}@example.nl"
    try:
        code, answer = _send(live, body)
    finally:
        with live.app.app_context():
            db.session.execute(update(Municipality).where(Municipality.cbs_code == cbs)
                               .values(module_ockto=True))  # fmt: skip
            db.session.commit()
            db.session.remove()
    assert code == 201, answer

    page = new_page()
    log_in(page, caseworker)
    page.goto(f"/zaken/show/{answer['zaak_id']}")
    assert page.inner_text(".status-label") == status
    assert body["aanvraagnummer"] in page.inner_text(".page-header")
    details = page.inner_text("body")
    assert f"Besluit\n{decision}" in details or f"Besluit\t{decision}" in details, details[:2000]
    assert event in page.inner_text("table.timeline")
    subjects = [m["Subject"] for m in live.mails_to(body["aanvrager"]["email"])]
    assert subjects and "aanvraag" in subjects[0].lower(), subjects  # the confirmation
    if status == "Uitnodiging verzonden":
        assert len(subjects) == 2  # and the invitation with the start link
