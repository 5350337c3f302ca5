"""The screens' twin of the REST errors: a refusal is flashed per field, in the form's words."""

from __future__ import annotations

import pytest

from app.models import CaseStatus
from tests.conftest import csrf_token, login
from tests.factories import new_case


def flashed_after(app, path: str, form: dict, user: str = "medewerker.zwolle") -> str:
    with app.app_context():
        client = login(app, user)
        case_page = path.rsplit("/", 2)[0] if "/actie/" in path else path.rsplit("/", 1)[0]
        token = csrf_token(client, case_page)
        response = client.post(path, data={"csrf_token": token, **form})
        assert response.status_code == 302, response.status_code
        return client.get(response.headers["Location"]).get_data(as_text=True)


CASES = [
    ("actie/abort", {"reden": ""}, "Reden: Geef de reden van het afbreken."),
    ("actie/hold", {"reden": "Wacht", "tot": "2020-01-01"},
     "Tot en met: Kies een datum na vandaag."),
    ("actie/request_info", {"omschrijving": ""},
     "Wat hebt u nodig: Beschrijf wat u nodig hebt."),
    ("besluit", {"besluit": "REJECTED", "stap": "voorbeeld"},
     "Redenen: Geef bij een afwijzing de reden(en)."),
]  # fmt: skip


@pytest.mark.parametrize(("action", "form", "message"), CASES)
def test_a_field_error_is_flashed_naming_the_field(app, db, action, form, message):
    case = new_case(status=CaseStatus.DATA_RECEIVED)
    db.session.commit()
    page = flashed_after(app, f"/zaken/show/{case.id}/{action}", form)
    assert message in page
    db.session.expire_all()
    assert case.status == CaseStatus.DATA_RECEIVED


def test_a_refused_transition_is_flashed_and_changes_nothing(app, db):
    case = new_case(status=CaseStatus.DECIDED)
    db.session.commit()
    page = flashed_after(app, f"/zaken/show/{case.id}/actie/abort", {"reden": "Dubbel"})
    assert "&#39;Afbreken&#39; kan niet bij een zaak met status &#39;Besluit genomen&#39;." in page


def test_a_case_of_another_organisation_or_no_number_is_404(app, db):
    other = new_case("0534")
    db.session.commit()
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        token = csrf_token(client, "/zaken/list/")
        assert client.get(f"/zaken/show/{other.id}").status_code == 404
        assert client.get("/zaken/show/abc").status_code == 404
        refused = client.post(
            f"/zaken/show/{other.id}/actie/abort", data={"csrf_token": token, "reden": "x"}
        )
        assert refused.status_code == 404
