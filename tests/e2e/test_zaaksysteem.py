"""The zaaksysteem settings in a real browser, against a real Open Zaak: a Beheerder fills
them in, saves (checked against the Catalogi) and tests the connection."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Municipality
from tests.e2e.conftest import axe_violations, log_in, screenshot
from tests.helpers import zgw_settings_of as settings_of


def test_a_beheerder_connects_the_zaaksysteem(new_page, live, openzaak):
    with live.app.app_context():
        pk = db.session.scalar(select(Municipality.id).where(Municipality.cbs_code == "0193"))
        db.session.remove()
    page = new_page()
    log_in(page, "beheerder.zwolle")
    page.goto(f"/gemeenten/show/{pk}")
    page.click("#naar-zaaksysteem")
    for name, value in settings_of(openzaak).items():
        if name == "zgw_enabled":
            page.check("input[name=zgw_enabled]")
        else:
            page.fill(f"#{name}", value)
    page.click("button[value=opslaan]")
    page.wait_for_selector(".alert-success")
    assert "Instellingen van het zaaksysteem opgeslagen." in page.inner_text(".alert-success")
    assert openzaak["secret"] not in page.content()
    page.click("button[value=testen]")
    page.wait_for_selector("#verbinding-ok")
    assert "Collectieve ziektekostenverzekering aanvragen" in page.inner_text("#verbinding-ok")
    assert (
        page.locator("#status_INFO_REQUESTED option:checked")
        .inner_text()
        .endswith("Aanvullende gegevens opgevraagd")
    )
    assert axe_violations(page) == []
    screenshot(page, "beheerder-zaaksysteem")
