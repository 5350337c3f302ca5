"""Dutch without English leftovers: enum labels in every form, titles that name their object,
Dutch labels and titles in the REST answers, and their related choices scoped to the tenant."""

from __future__ import annotations

import re

from flask_appbuilder.fields import EnumField
from sqlalchemy import select

from app.extensions import db
from app.labels import FIELD_LABELS
from app.models import AssetLimit, Case, HouseholdType, Municipality, RejectionReason
from app.views.base import TenantModelView
from tests.conftest import api_token, bearer, csrf_token
from tests.helpers import cases_of, municipality

REST_RESOURCES = ["case", "municipality", "memo", "message", "audit", "national_norm",
                  "asset_limit", "organisation"]  # fmt: skip
ENGLISH_TITLE = re.compile(r"^(List|Show|Add|Edit) ")


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _visible(html: str) -> str:
    """The text a person sees: tags and attribute values dropped."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_municipality_edit_shows_the_check_mode_in_dutch_and_names_the_municipality(
    app, beheerder_client
):
    with app.app_context():
        zwolle = municipality("0193")
        pk, name = zwolle.id, str(zwolle)
    html = beheerder_client.get(f"/gemeenten/edit/{pk}").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="check_mode".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", options) == ["Toetsen vooraf", "Toetsen achteraf"]
    assert "BEFORE" not in _visible(html) and "AFTER" not in _visible(html)
    assert _title(html) == f"Gemeente {name} bewerken – Gemeentepolis Backoffice"
    assert '<html lang="nl">' in html


def test_show_pages_name_their_object_in_the_title(app, medewerker_client):
    with app.app_context():
        case = cases_of("0193")[0]
        pk, number = case.id, case.number
    html = medewerker_client.get(f"/zaken/show/{pk}").get_data(as_text=True)
    assert _title(html) == f"Zaak {number} – Gemeentepolis Backoffice"


def test_every_enum_select_on_every_form_shows_dutch_labels(app):
    checked = 0
    with app.test_request_context():
        for view in app.appbuilder.baseviews:
            if not isinstance(view, TenantModelView):
                continue
            for form_class in (view.add_form, view.edit_form, view.search_form):
                for field in form_class():
                    if isinstance(field, EnumField):
                        enum_class = view.datamodel.list_columns[field.name].type.enum_class
                        labels = [label for _code, label in field.choices]
                        assert labels == [m.label for m in enum_class], (view, field.name)
                        checked += 1
    assert checked >= 10  # status, kind, advice, check mode, household type, ...


def test_norm_rows_read_in_dutch(app):
    with app.app_context():
        limit = db.session.scalar(select(AssetLimit).limit(1))
        assert str(limit).startswith(limit.household_type.label)
        assert HouseholdType.SINGLE.name not in str(limit)


def test_rest_answers_title_and_label_in_dutch(app, client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    dutch = set(FIELD_LABELS.values())
    for resource in REST_RESOURCES:
        listing = client.get(f"/api/v1/{resource}/?q=(page_size:1)", headers=headers).get_json()
        info = client.get(f"/api/v1/{resource}/_info", headers=headers).get_json()
        titles = [listing["list_title"], info["add_title"], info["edit_title"]]
        labels = list(listing["label_columns"].values())
        labels += [c["label"] for c in info["add_columns"] + info["edit_columns"]]
        if listing["ids"]:
            shown = client.get(f"/api/v1/{resource}/{listing['ids'][0]}", headers=headers)
            titles.append(shown.get_json()["show_title"])
            labels += list(shown.get_json()["label_columns"].values())
        assert not [t for t in titles if ENGLISH_TITLE.match(t)], (resource, titles)
        assert set(labels) <= dutch, (resource, set(labels) - dutch)


def test_rest_info_offers_only_the_own_organisations_choices(app, client):
    """_info listed every organisation's case numbers and user names as choices."""
    headers = bearer(api_token(client, "beheerder.zwolle"))
    memo = client.get("/api/v1/memo/_info", headers=headers).get_json()
    assert memo["edit_columns"] == []  # memos cannot be edited over the API
    limits = client.get("/api/v1/asset_limit/_info", headers=headers).get_json()
    choices = {
        value["value"]
        for column in limits["add_columns"] + limits["edit_columns"]
        if column["name"] == "municipality"
        for value in column["values"]
    }
    with app.app_context():
        own = {str(m) for m in db.session.scalars(select(Municipality)) if m.cbs_code == "0193"}
        others = {str(m) for m in db.session.scalars(select(Municipality))} - own
        assert db.session.scalar(select(Case.id).limit(1)) is not None
    assert choices and choices <= own
    assert not choices & others


def test_a_rejected_case_shows_its_reasons_in_dutch(app, medewerker_client):
    with app.app_context():
        case = next(c for c in cases_of("0193") if c.decision_reasons)
        pk, codes = case.id, list(case.decision_reasons)
    page = _visible(medewerker_client.get(f"/zaken/show/{pk}").get_data(as_text=True))
    for code in codes:
        assert RejectionReason[code].label in page
        assert code not in page


def test_an_unknown_code_in_a_form_is_refused_in_dutch_and_changes_nothing(app, beheerder_client):
    """FAB's enum field raised KeyError on an unknown code: a 500 for a posted form."""
    with app.app_context():
        zwolle = municipality("0193")
        pk, mode, name = zwolle.id, zwolle.check_mode, zwolle.name
    page = beheerder_client.get(f"/gemeenten/edit/{pk}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = beheerder_client.post(
        f"/gemeenten/edit/{pk}",
        data={"csrf_token": token, "check_mode": "FOO", "four_eyes": "OFF", "name": "Andere naam"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("Kies een van de mogelijkheden uit de lijst.") == 1
    with app.app_context():
        again = municipality("0193")
        assert (again.check_mode, again.name) == (mode, name)


def test_an_unknown_code_in_a_list_filter_is_a_dutch_400(app, medewerker_client):
    response = medewerker_client.get("/zaken/list/?_flt_0_status=FOO")
    assert response.status_code == 400
    assert "Het verzoek is niet goed opgebouwd." in response.get_data(as_text=True)


RAW = re.compile(r">\s*(None|True|False|\[[A-Z][a-z]+\])\s*<")


def test_pages_show_no_none_true_false_or_python_lists(app, beheerder_client):
    """FAB showed "None", "True" and "[Beheerder]" where a value was empty, a yes/no or a list."""
    from app.models import Message, Resident

    with app.app_context():
        zwolle = municipality("0193").id
        resident = db.session.scalar(
            select(Resident.id).where(Resident.municipality_id == zwolle, Resident.prefix.is_(None))
        )
        message = db.session.scalar(
            select(Message.id).where(Message.municipality_id == zwolle, Message.pdf.is_(None))
        )
    for path in ("/vermogensgrenzen/list/", "/users/list/", f"/inwoners/show/{resident}",
                 f"/berichten/show/{message}", f"/gemeenten/show/{zwolle}"):  # fmt: skip
        page = beheerder_client.get(path).get_data(as_text=True)
        assert not RAW.findall(page), (path, RAW.findall(page))
    shown = beheerder_client.get(f"/berichten/show/{message}").get_data(as_text=True)
    assert "PDF bekijken" not in shown  # the link only where a PDF exists


def test_saving_an_edit_returns_to_the_record(app, beheerder_client):
    with app.app_context():
        zwolle = municipality("0193")
        path = f"/gemeenten/edit/{zwolle.id}"
        form = {name: getattr(zwolle, name) for name in ("info_request_days",)}
    page = beheerder_client.get(path).get_data(as_text=True)
    values = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    data = {k: v for k, v in values.items() if k != "csrf_token"}
    data.update(csrf_token=csrf_token(beheerder_client, path), check_mode="BEFORE", four_eyes="OFF",
                reminder_days="5, 10, 14", **{k: str(v) for k, v in form.items()})  # fmt: skip
    for text_field in re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page):
        data[text_field[0]] = text_field[1]
    response = beheerder_client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert response.headers["Location"].endswith(f"/gemeenten/show/{zwolle.id}")


def test_the_user_form_offers_no_public_role_and_speaks_of_no_ldap_or_openid(app, admin_client):
    from tests.conftest import login

    for client in (admin_client, login(app, "beheerder.zwolle")):
        page = client.get("/users/add").get_data(as_text=True)
        roles = re.findall(r'<option[^>]*value="\d+"[^>]*>([^<]+)</option>', page)
        assert "Public" not in roles and "Medewerker" in roles, roles
        assert not re.search(r"LDAP|OID|OpenID", page)
    assert "Admin" not in re.findall(
        r'<option[^>]*value="\d+"[^>]*>([^<]+)</option>',
        login(app, "beheerder.zwolle").get("/users/add").get_data(as_text=True),
    )


def test_lists_say_acties_and_their_dialog_annuleren(app, beheerder_client):
    page = beheerder_client.get("/users/list/").get_data(as_text=True)
    assert "Akties" not in page and "Acties" in page
    assert ">Cancel<" not in page and ">Annuleren<" in page


def test_a_beheerder_is_offered_no_edit_or_delete_on_national_asset_limits(app, beheerder_client):
    with app.app_context():
        national = db.session.scalar(
            select(AssetLimit.id).where(AssetLimit.municipality_id.is_(None)).limit(1)
        )
    page = beheerder_client.get("/vermogensgrenzen/list/?psize_AssetLimitModelView=100")
    html_page = page.get_data(as_text=True)
    assert f"/vermogensgrenzen/show/{national}" in html_page
    assert f"/vermogensgrenzen/edit/{national}" not in html_page
    assert f"/vermogensgrenzen/delete/{national}" not in html_page
    response = beheerder_client.get(f"/vermogensgrenzen/edit/{national}")
    assert response.status_code == 302 and "/vermogensgrenzen/show/" in response.headers["Location"]


def test_roles_and_permissions_read_as_dutch_words(app, admin_client):
    """The Admin's role screens said "can list on CaseModelView"."""
    with app.app_context():
        role = app.appbuilder.sm.find_role("Medewerker").id
    page = admin_client.get(f"/roles/show/{role}").get_data(as_text=True)
    assert "Alle zaken: lijst bekijken, bekijken, exporteren" in page
    assert "can_list" not in page and "CaseModelView" not in page
    for path in ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/"):
        listed = admin_client.get(path + "?psize_x=100").get_data(as_text=True)
        shown = re.sub(r"<script\b.*?</script>", "", listed, flags=re.S)  # not the filters
        assert ">can_list<" not in shown and ">CaseModelView<" not in shown, path
