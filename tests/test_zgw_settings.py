"""The zaaksysteem settings (issue 24, first part), checked against a real Open Zaak.

`.ci/run` starts Open Zaak (../shared/tools/openzaak/start-openzaak.sh) and sets
ZGW_REQUIRED=1, so there these tests must run; elsewhere they skip with a line saying
how to start it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, Municipality
from app.services.zgw import settings as zgw_settings
from app.services.zgw.client import Credentials, ZgwClient
from tests.conftest import api_token, bearer, csrf_token, login
from tests.helpers import zgw_settings_of as settings_of

ZWOLLE = "0193"


@pytest.fixture()
def zwolle_api(app, db, client):
    """PUT and GET Zwolle's municipality as its Beheerder; the settings are reset after."""
    headers = bearer(api_token(client, "beheerder.zwolle"))
    pk = _db.session.scalar(select(Municipality.id).where(Municipality.cbs_code == ZWOLLE))

    def put(body: dict):
        return client.put(f"/api/v1/municipality/{pk}", json=body, headers=headers)

    def get():
        return client.get(f"/api/v1/municipality/{pk}", headers=headers)

    yield put, get
    zwolle = _db.session.get(Municipality, pk)
    for name in zgw_settings.FIELDS:
        setattr(zwolle, name, False if name == "zgw_enabled" else None)
    _db.session.commit()


def fields_of(response) -> list[str]:
    return [item["veld"] for item in response.get_json()["fouten"]]


def test_settings_are_checked_against_the_catalogi_and_a_mapping_is_proposed(openzaak, zwolle_api):
    put, get = zwolle_api
    saved = put(settings_of(openzaak))
    assert saved.status_code == 200, saved.get_json()
    shown = get().get_json()["result"]
    statuses = shown["zgw_status_mapping"]
    types = openzaak["statustypen"]
    assert statuses["NEW"] == types["Geregistreerd"]
    assert statuses["INFO_REQUESTED"] == types["Aanvullende gegevens opgevraagd"]
    assert statuses["DATA_RECEIVED"] == types["In behandeling genomen"]
    assert statuses["DECIDED"] == statuses["ABORTED"] == types["Afgehandeld"]
    results = shown["zgw_result_mapping"]
    assert results == {
        "GRANTED": openzaak["resultaattypen"]["Toegekend"],
        "REJECTED": openzaak["resultaattypen"]["Afgewezen"],
        "ABORTED": openzaak["resultaattypen"]["Buiten behandeling"],
    }
    # The secret is write-only: kept, never answered.
    assert "zgw_secret" not in shown
    assert openzaak["secret"] not in get().get_data(as_text=True)
    _db.session.expire_all()
    zwolle = _db.session.scalar(select(Municipality).where(Municipality.cbs_code == ZWOLLE))
    assert zwolle.zgw_secret == openzaak["secret"]
    # Saving again without the secret keeps it.
    again = put({"zgw_client_id": openzaak["client_id"], "zgw_enabled": True})
    assert again.status_code == 200, again.get_json()
    _db.session.expire_all()
    assert _db.session.get(Municipality, zwolle.id).zgw_secret == openzaak["secret"]
    entries = _db.session.scalars(select(AuditLog.detail)).all()
    assert not any(openzaak["secret"] in (detail or "") for detail in entries)


def test_an_unknown_zaaktype_is_refused_naming_the_field(openzaak, zwolle_api):
    put, _ = zwolle_api
    unknown = openzaak["zaaktype"].rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    refused = put(settings_of(openzaak, zgw_zaaktype=unknown))
    assert refused.status_code == 422
    assert fields_of(refused) == ["zgw_zaaktype"]
    assert "bestaat niet" in refused.get_json()["fouten"][0]["melding"]


def test_a_besluittype_or_document_type_not_of_the_zaaktype_is_refused(openzaak, zwolle_api):
    put, _ = zwolle_api
    # A real type of the catalogue, but not a besluittype of this zaaktype.
    refused = put(
        settings_of(openzaak, zgw_besluittype=openzaak["informatieobjecttype_bewijsstuk"])
    )
    assert refused.status_code == 422 and fields_of(refused) == ["zgw_besluittype"]
    wrong_document = put(settings_of(openzaak, zgw_informatieobjecttype=openzaak["besluittype"]))
    assert wrong_document.status_code == 422
    assert fields_of(wrong_document) == ["zgw_informatieobjecttype"]


def test_wrong_credentials_are_refused_in_dutch_without_the_secret(openzaak, zwolle_api):
    put, _ = zwolle_api
    refused = put(settings_of(openzaak, zgw_secret="niet-het-goede-geheim-1234567890"))
    assert refused.status_code == 422 and fields_of(refused) == ["zgw_client_id"]
    text = refused.get_data(as_text=True)
    assert "weigert de toegang" in text and "niet-het-goede-geheim" not in text


def test_a_bad_rsin_and_missing_settings_are_refused_before_any_call(app, db, zwolle_api):
    put, _ = zwolle_api
    refused = put({"zgw_enabled": True, "zgw_rsin": "123456789", "zgw_zaaktype": "zaaktype"})
    assert refused.status_code == 422
    fields = fields_of(refused)
    assert "zgw_rsin" in fields and "zgw_zaaktype" in fields and "zgw_client_id" in fields
    _db.session.expire_all()
    zwolle = _db.session.scalar(select(Municipality).where(Municipality.cbs_code == ZWOLLE))
    assert not zwolle.zgw_enabled and zwolle.zgw_rsin is None


def test_the_proposal_follows_order_and_descriptions():
    types = [
        {"url": "u4", "volgnummer": 4, "omschrijving": "Afgehandeld"},
        {"url": "u2", "volgnummer": 2, "omschrijving": "In behandeling"},
        {"url": "u1", "volgnummer": 1, "omschrijving": "Ontvangen"},
        {"url": "u3", "volgnummer": 3, "omschrijving": "Informatie opgevraagd"},
    ]
    mapping = zgw_settings.propose_status_mapping(types)
    assert (mapping["NEW"], mapping["INFO_REQUESTED"], mapping["DECIDED"]) == ("u1", "u3", "u4")
    assert mapping["ON_HOLD"] == mapping["AWAITING_APPROVAL"] == "u2"


def test_the_screen_saves_tests_and_never_shows_the_secret(app, openzaak, zwolle_api):
    pk = _db.session.scalar(select(Municipality.id).where(Municipality.cbs_code == ZWOLLE))
    path = f"/gemeenten/zaaksysteem/{pk}"
    form = {k: ("y" if v is True else v) for k, v in settings_of(openzaak).items()}
    with app.app_context():
        client = login(app, "beheerder.zwolle")
        unknown = openzaak["zaaktype"].rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
        refused = client.post(path, data={**form, "zgw_zaaktype": unknown, "actie": "opslaan",
                                          "csrf_token": csrf_token(client, path)})  # fmt: skip
        page = refused.get_data(as_text=True)
        assert refused.status_code == 200
        assert "Zaaktype: Dit zaaktype bestaat niet in het zaaksysteem." in page
        assert openzaak["secret"] not in page
        saved = client.post(path, data={**form, "actie": "opslaan",
                                        "csrf_token": csrf_token(client, path)})  # fmt: skip
        assert saved.status_code == 302
        tested = client.post(path, data={"actie": "testen", "csrf_token": csrf_token(client, path)})
        page = tested.get_data(as_text=True)
    assert 'id="verbinding-ok"' in page and "met 4 statustypen en 3 resultaattypen" in page
    assert openzaak["secret"] not in page
    assert "Opgeslagen; leeg laten om het te houden" in page
    _db.session.expire_all()
    zwolle = _db.session.get(Municipality, pk)
    assert zwolle.zgw_enabled and zwolle.zgw_secret == openzaak["secret"]
    assert zwolle.zgw_result_mapping["REJECTED"] == openzaak["resultaattypen"]["Afgewezen"]


@pytest.fixture()
def concept_zaaktype(openzaak) -> str:
    """A zaaktype made through the Catalogi API: not published (concept), found again later."""
    client = ZgwClient(Credentials(openzaak["client_id"], openzaak["secret"]))
    catalogi = openzaak["apis"]["catalogi"]
    found = client.get(catalogi + "zaaktypen", params={
        "catalogus": openzaak["catalogus"], "identificatie": "CZV-CONCEPT-TEST"})  # fmt: skip
    concept = [z for z in found.get("results", []) if z.get("concept")]
    if concept:
        return concept[0]["url"]
    published = client.get(openzaak["zaaktype"])
    body = {key: published[key] for key in (
        "omschrijving", "vertrouwelijkheidaanduiding", "doel", "aanleiding",
        "indicatieInternOfExtern", "handelingInitiator", "onderwerp", "handelingBehandelaar",
        "doorlooptijd", "opschortingEnAanhoudingMogelijk", "verlengingMogelijk",
        "publicatieIndicatie", "productenOfDiensten", "referentieproces", "catalogus",
        "gerelateerdeZaaktypen", "beginGeldigheid", "versiedatum", "verantwoordelijke",
    )}  # fmt: skip
    body.update(identificatie="CZV-CONCEPT-TEST", besluittypen=[])
    return client.post(catalogi + "zaaktypen", body)["url"]


def test_a_concept_zaaktype_is_refused(openzaak, zwolle_api, concept_zaaktype):
    put, _ = zwolle_api
    refused = put(settings_of(openzaak, zgw_zaaktype=concept_zaaktype))
    assert refused.status_code == 422 and fields_of(refused) == ["zgw_zaaktype"]
    assert "nog niet gepubliceerd (concept)" in refused.get_json()["fouten"][0]["melding"]
