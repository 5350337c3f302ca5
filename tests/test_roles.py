"""Roles: Medewerker works cases, Beheerder also manages the organisation; Admin the platform."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Municipality, User
from app.services.onboarding.municipalities import BESCHIKKING_FIELDS
from tests.conftest import csrf_token, login
from tests.helpers import municipality, org


def user_form(token: str, username: str, **fields: str) -> dict[str, str]:
    """The add-user form as a Beheerder fills it in; `fields` adds or overrides values."""
    return {
        "csrf_token": token,
        "first_name": "Nieuwe",
        "last_name": "Collega",
        "username": username,
        "email": f"{username}@zwolle.example.nl",
        "active": "y",
        "password": "Welkom-Nieuw-2026!AB",
        "conf_password": "Welkom-Nieuw-2026!AB",
        **fields,
    }


def test_medewerker_cannot_edit_settings_or_manage_users(app, medewerker_client):
    with app.app_context():
        zwolle_id = municipality("0193").id
    assert medewerker_client.get(f"/gemeenten/edit/{zwolle_id}").status_code in (302, 403)
    assert medewerker_client.get("/users/list/").status_code in (302, 403)
    assert medewerker_client.get("/sjablonen/list/").status_code == 200


def test_beheerder_edits_own_municipality_through_the_form(app, beheerder_client):
    with app.app_context():
        zwolle = municipality("0193")
        zwolle_id = zwolle.id
        # The texts a browser sends along unchanged (the form holds every field).
        texts = {
            name: getattr(zwolle, name) or ""
            for name in (*BESCHIKKING_FIELDS, "sender_address", "signature", "footer")
        }
    path = f"/gemeenten/edit/{zwolle_id}"
    page = beheerder_client.get(path).get_data(as_text=True)
    assert "Herinneringen aan" in page
    token = csrf_token(beheerder_client, path)
    response = beheerder_client.post(
        path,
        data={
            "csrf_token": token,
            "check_mode": "BEFORE",
            "four_eyes": "OFF",
            "uses_allowlist": "y",
            "reminders_enabled": "",
            "reminder_days": "[5, 10, 14]",
            "module_ockto": "y",
            "module_legitimacy": "y",
            "module_decisions": "y",
            "income_percentage": "130",
            "advice_margin_percentage": "5",
            "check_assets": "y",
            "deduct_debts": "y",
            "max_data_age_days": "62",
            "info_request_days": "14",
            "sender_name": "Gemeente Zwolle",
            "primary_color": "#c8102e",
            **texts,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        m = _db.session.get(Municipality, zwolle_id)
        assert m.reminders_enabled is False
        m.reminders_enabled = True
        _db.session.commit()


def test_beheerder_sees_and_creates_users_only_in_own_organisation(app, beheerder_client):
    page = beheerder_client.get("/users/list/").get_data(as_text=True)
    assert "medewerker.zwolle" in page
    assert "medewerker.bollenstreek" not in page
    assert ">admin<" not in page
    form = beheerder_client.get("/users/add").get_data(as_text=True)
    labels = dict(re.findall(r'<label for="(\w+)"[^>]*>\s*([^<]+?)\s*<', form))
    assert labels["first_name"] == "Voornaam"  # FAB's own Dutch says "Voornam"
    assert (labels["organisation"], labels["roles"], labels["active"]) == (
        "Organisatie",
        "Rol",
        "Actief",
    )
    assert "ISD Bollenstreek" not in form
    assert ">Admin<" not in form
    with app.app_context():
        medewerker_role = app.appbuilder.sm.find_role("Medewerker").id
        isd_id = org("ISD Bollenstreek").id
    token = csrf_token(beheerder_client, "/users/add")
    response = beheerder_client.post(
        "/users/add",
        # The ISD is not offered in the form; sending its id must not stick.
        data=user_form(
            token, "nieuwe.collega", organisation=str(isd_id), roles=str(medewerker_role)
        ),
    )
    # The ISD is not offered, so the form refuses it as an invalid choice.
    assert response.status_code == 200
    assert "Geen geldige keuze" in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(User).where(User.username == "nieuwe.collega")) is None
    # Without an organisation in the form the new user lands in the Beheerder's own.
    token = csrf_token(beheerder_client, "/users/add")
    response = beheerder_client.post(
        "/users/add",
        data=user_form(token, "nieuwe.collega", roles=str(medewerker_role)),
    )
    assert response.status_code == 302
    with app.app_context():
        user = _db.session.scalar(select(User).where(User.username == "nieuwe.collega"))
        assert user.organisation.name == "Gemeente Zwolle"
        assert [r.name for r in user.roles] == ["Medewerker"]


def test_beheerder_cannot_give_the_admin_role(app, beheerder_client):
    with app.app_context():
        admin_role = app.appbuilder.sm.find_role("Admin").id
    token = csrf_token(beheerder_client, "/users/add")
    response = beheerder_client.post(
        "/users/add",
        data=user_form(token, "stiekem.admin", roles=str(admin_role)),
    )
    # The Admin role is not offered: its id is dropped and no role is left.
    assert "Kies ten minste één rol." in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(User).where(User.username == "stiekem.admin")) is None


def test_reset_password_of_another_organisations_user_is_404(app, beheerder_client):
    with app.app_context():
        other = _db.session.scalar(select(User).where(User.username == "medewerker.bollenstreek"))
        own = _db.session.scalar(select(User).where(User.username == "medewerker.zwolle"))
    assert beheerder_client.get(f"/resetpassword/form?pk={other.id}").status_code == 404
    assert beheerder_client.get(f"/resetpassword/form?pk={own.id}").status_code == 200


def test_admin_manages_everything(app, admin_client):
    page = admin_client.get("/users/list/?psize_OrgUserDBModelView=100").get_data(as_text=True)
    assert "medewerker.bollenstreek" in page and "medewerker.zwolle" in page
    assert admin_client.get("/roles/list/").status_code == 200
    assert login(app, "medewerker.zwolle").get("/roles/list/").status_code in (302, 403)


def test_password_reset_post_for_another_organisation_changes_nothing(app, beheerder_client):
    with app.app_context():
        other = _db.session.scalar(select(User).where(User.username == "medewerker.bollenstreek"))
        before = other.password
    token = csrf_token(beheerder_client, "/zaken/zoek-bsn")
    response = beheerder_client.post(
        f"/resetpassword/form?pk={other.id}",
        data={
            "csrf_token": token,
            "password": "Overgenomen-2026!AB",
            "conf_password": "Overgenomen-2026!AB",
        },
    )
    assert response.status_code == 404
    with app.app_context():
        assert _db.session.get(User, other.id).password == before


def test_settings_form_refuses_bad_reminder_days_in_dutch(app, beheerder_client):
    with app.app_context():
        zwolle_id = municipality("0193").id
    path = f"/gemeenten/edit/{zwolle_id}"
    token = csrf_token(beheerder_client, path)
    response = beheerder_client.post(
        path,
        data={
            "csrf_token": token,
            "check_mode": "AFTER",
            "reminder_days": "5, 400",
            "income_percentage": "130",
            "advice_margin_percentage": "5",
            "max_data_age_days": "62",
            "primary_color": "#c8102e",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Elke herinneringsdag ligt tussen 1 en 365." in page
    with app.app_context():
        m = _db.session.get(Municipality, zwolle_id)
        assert m.check_mode.name == "BEFORE"
        assert m.reminder_days == [5, 10, 14]


def test_settings_form_refuses_out_of_range_numbers_and_bad_colours(app, beheerder_client):
    with app.app_context():
        zwolle_id = municipality("0193").id
    path = f"/gemeenten/edit/{zwolle_id}"
    token = csrf_token(beheerder_client, path)
    response = beheerder_client.post(
        path,
        data={
            "csrf_token": token,
            "check_mode": "AFTER",
            "reminder_days": "5, 10, 14",
            "primary_color": "red;}</style>",
        },
    )
    page = response.get_data(as_text=True)
    assert "Geef een kleur als #rrggbb" in page
    # The income and asset policy has its own screen, with the same bounds.
    assert 'name="income_percentage"' not in page
    policy = "/parameters/0193"
    response = beheerder_client.post(
        policy,
        data={
            "csrf_token": csrf_token(beheerder_client, policy),
            "actie": "opslaan",
            "income_percentage": "-130",
            "advice_margin_percentage": "5",
            "max_data_age_days": "0",
        },
    )
    page = response.get_data(as_text=True)
    assert "Kies een waarde van 50 tot en met 300." in page
    assert "Kies een waarde van 1 tot en met 730." in page
    with app.app_context():
        m = _db.session.get(Municipality, zwolle_id)
        assert (m.check_mode.name, m.primary_color) == ("BEFORE", "#c8102e")
        assert (m.income_percentage, m.max_data_age_days) == (130, 62)


def test_every_role_pattern_fits_a_fab_permission_name():
    # FAB may store a pattern as a view (VARCHAR(250)) or permission name (VARCHAR(100));
    # PostgreSQL refuses longer ones and the role would silently lose all its permissions.
    from app.roles import FAB_ROLES

    for role, pairs in FAB_ROLES.items():
        for view, permission in pairs:
            assert len(view) <= 250 and len(permission) <= 100, (role, view, permission)
