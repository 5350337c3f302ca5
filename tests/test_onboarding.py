"""Going live: an Admin onboards an organisation, a municipality from the CBS list and its
first Beheerder; accounts open through a one-time link; the set-up checklist; the empty
install and links that follow the port."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import (
    AccountLink,
    Case,
    MessageStatus,
    Municipality,
    Organisation,
    SetupStep,
    SystemMail,
    Template,
    TemplateEvent,
    User,
)
from app.services.onboarding import accounts, cbs, checklist
from config import Config, TestConfig, base_url_problem
from tests.conftest import ADMIN_PASSWORD, api_token, bearer, csrf_token, login
from tests.factories import new_case
from tests.helpers import municipality, org
from tests.smtp import free_port

LINK = re.compile(r"http://[^/\s]+/account/activeren/(\S+)")


@pytest.fixture()
def admin_api(client):
    return bearer(api_token(client, "admin", ADMIN_PASSWORD))


def counts() -> tuple[int, ...]:
    """Rows in the tables onboarding writes: nothing may change on a refusal."""
    return tuple(
        _db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, Municipality, User, SystemMail, AccountLink, Template)
    )


def last_link(address: str) -> str:
    mail = _db.session.scalar(
        select(SystemMail).where(SystemMail.recipient == address).order_by(SystemMail.id.desc())
    )
    return LINK.search(mail.body_text).group(1)


def test_the_cbs_list_holds_every_municipality_of_the_year_once():
    listed = cbs.municipalities()
    assert len(listed) == 342
    assert listed["0193"] == "Zwolle" and listed["0148"] == "Dalfsen"
    assert listed["1992"] == "Voorne aan Zee"  # merged on 1 January 2023
    assert "0501" not in listed  # Brielle, merged into Voorne aan Zee
    assert all(re.fullmatch(r"\d{4}", code) for code in listed)
    assert cbs.code_problem("9999") and cbs.code_problem("193") and not cbs.code_problem("0148")


def test_an_admin_onboards_an_organisation_a_municipality_and_its_beheerder_over_rest(
    app, db, client, admin_api
):
    response = client.post(
        "/api/v1/organisation/", json={"name": "Gemeente Dalfsen", "kind": "MUNICIPALITY"},
        headers=admin_api,
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    org_id = response.get_json()["id"]
    response = client.post(
        "/api/v1/municipality/", json={"cbs_code": "0148", "organisation": org_id},
        headers=admin_api,
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    created = db.session.get(Municipality, response.get_json()["id"])
    assert created.name == "Dalfsen"  # from the CBS list
    assert created.module_ockto and created.module_legitimacy and created.module_decisions
    assert created.reminders_enabled and created.reminder_days == [5, 10, 14]
    assert created.check_assets
    assert db.session.scalar(
        select(func.count(Template.id)).where(Template.municipality_id == created.id)
    ) == len(TemplateEvent)  # fmt: skip
    response = client.post(
        f"/api/v1/organisation/{org_id}/users",
        json={"username": "beheerder.dalfsen", "email": "beheer@dalfsen.example.nl",
              "first_name": "Bea", "last_name": "Heerma", "role": "Beheerder"},
        headers=admin_api,
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "username"}  # never a password
    user = db.session.get(User, body["id"])
    assert user.organisation_id == org_id and [r.name for r in user.roles] == ["Beheerder"]
    assert last_link("beheer@dalfsen.example.nl")
    # A second municipality under a municipality's own organisation is refused, naming why.
    response = client.post(
        "/api/v1/municipality/", json={"cbs_code": "0160", "organisation": org_id},
        headers=admin_api,
    )  # fmt: skip
    assert response.status_code == 422
    assert [f["veld"] for f in response.get_json()["fouten"]] == ["organisation"]


@pytest.mark.parametrize(
    ("code", "message"),
    [("9999", "staat niet op de CBS-lijst"), ("0193", "al aangesloten"), ("19", "vier cijfers")],
)
def test_a_municipality_not_on_the_cbs_list_or_already_there_is_refused_naming_the_field(
    app, db, client, admin_api, code, message
):
    before = counts()
    isd = org("ISD Bollenstreek").id
    response = client.post(
        "/api/v1/municipality/", json={"cbs_code": code, "organisation": isd}, headers=admin_api
    )
    assert response.status_code == 422
    fouten = response.get_json()["fouten"]
    assert fouten[0]["veld"] == "cbs_code" and message in fouten[0]["melding"]
    assert counts() == before


def test_a_beheerder_creates_users_for_their_own_organisation_only(app, db, client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    before = counts()
    other = org("ISD Bollenstreek").id
    body = {"username": "indringer", "email": "x@example.nl", "first_name": "X",
            "last_name": "Y", "role": "Beheerder"}  # fmt: skip
    response = client.post(f"/api/v1/organisation/{other}/users", json=body, headers=headers)
    assert response.status_code == 404
    assert client.post(
        "/api/v1/organisation/", json={"name": "Eigen ISD", "kind": "ISD"}, headers=headers
    ).status_code == 403  # fmt: skip
    assert client.post(
        "/api/v1/municipality/", json={"cbs_code": "0148", "organisation": other},
        headers=headers,
    ).status_code == 403  # fmt: skip
    assert counts() == before
    listed = client.get("/api/v1/organisation/", headers=headers).get_json()["result"]
    assert [o["name"] for o in listed] == ["Gemeente Zwolle"]
    own = org("Gemeente Zwolle").id
    bad = client.post(
        f"/api/v1/organisation/{own}/users",
        json={**body, "username": "beheerder.zwolle", "email": "geen-adres", "role": "Admin"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert {f["veld"] for f in bad.get_json()["fouten"]} == {"username", "email", "role"}
    assert counts() == before
    ok = client.post(
        f"/api/v1/organisation/{own}/users",
        json={**body, "username": "nieuw.zwolle", "email": "nieuw@zwolle.example.nl",
              "role": "Medewerker"},
        headers=headers,
    )  # fmt: skip
    assert ok.status_code == 201


def test_the_one_time_link_sets_a_password_once_and_says_so_when_used_or_expired(app, db, client):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    user = accounts.invite(
        admin, org("Gemeente Zwolle").id,
        {"username": "link.proef", "email": "link@example.nl", "first_name": "Link",
         "last_name": "Proef", "role": "Medewerker"},
    )  # fmt: skip
    token = last_link("link@example.nl")
    path = f"/account/activeren/{token}"
    with app.app_context():  # a context of its own per request series (CSRF in g)
        page = client.get(path).get_data(as_text=True)
        assert "link.proef" in page and "Kies uw wachtwoord" in page
        form = {"csrf_token": csrf_token(client, path)}
        differ = client.post(path, data={**form, "password": "Paars-Fietsje-Regen-42",
                                         "conf_password": "Paars-Fietsje-Regen-43"})  # fmt: skip
        assert differ.status_code == 422 and "verschillen" in differ.get_data(as_text=True)
        done = client.post(path, data={**form, "password": "Paars-Fietsje-Regen-42",
                                       "conf_password": "Paars-Fietsje-Regen-42"})  # fmt: skip
        assert done.status_code == 200
        with app.app_context():
            login(app, "link.proef", "Paars-Fietsje-Regen-42")
        used = client.get(path)
        assert used.status_code == 410 and "al gebruikt" in used.get_data(as_text=True)
    # A new link replaces the old one; after 72 hours it has expired.
    db.session.expire_all()
    accounts.send_link(db.session.get(User, user.id))
    fresh = last_link("link@example.nl")
    link = db.session.scalar(select(AccountLink).order_by(AccountLink.id.desc()))
    link.expires_on = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    with app.app_context():
        expired = client.get(f"/account/activeren/{fresh}")
        assert expired.status_code == 410 and "verlopen" in expired.get_data(as_text=True)
        assert client.get("/account/activeren/verzonnen").status_code == 410
    audited = db.session.scalar(
        select(func.count()).where(
            _audit().action == "user.password_chosen", _audit().object_id == str(user.id)
        )
    )
    assert audited == 1


def _audit():
    from app.models import AuditLog

    return AuditLog


def test_the_outbox_sends_the_account_email_and_keeps_no_link_afterwards(app, db, smtp):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    accounts.invite(
        admin, org("Gemeente Zwolle").id,
        {"username": "post.proef", "email": "post@example.nl", "first_name": "Post",
         "last_name": "Proef", "role": "Medewerker"},
    )  # fmt: skip
    from app.jobs import outbox

    outbox.run()
    received = [m for m in smtp.inbox.messages if m["To"] == "post@example.nl"]
    assert len(received) == 1 and "/account/activeren/" in received[0].get_content()
    mail = db.session.scalar(select(SystemMail).where(SystemMail.recipient == "post@example.nl"))
    assert mail.status == MessageStatus.SENT and "activeren" not in mail.body_text
    outbox.run()  # safe to run twice: nothing is sent again
    assert len([m for m in smtp.inbox.messages if m["To"] == "post@example.nl"]) == 1


def test_the_user_form_has_no_password_and_the_admin_picks_any_organisation(app, db):
    admin = login(app, "admin", ADMIN_PASSWORD)
    page = admin.get("/users/add").get_data(as_text=True)
    assert 'name="password"' not in page
    assert "ISD Bollenstreek" in page and "Gemeente Zwolle" in page


def test_a_new_municipality_starts_its_checklist_and_the_overview_points_to_it(app, db, smtp):
    admin = login(app, "admin", ADMIN_PASSWORD)
    path = "/organisaties/add"
    assert admin.post(path, data={"csrf_token": csrf_token(admin, path), "name": "ISD Vechtdal",
                                  "kind": "ISD"}).status_code == 302  # fmt: skip
    isd = org("ISD Vechtdal")
    add = f"/gemeenten/add?_flt_0_organisation={isd.id}"
    form = admin.get(add).get_data(as_text=True)
    # Every module, the reminders and the asset test start ticked, and each says what it does.
    for name in ("module_ockto", "module_legitimacy", "module_decisions", "reminders_enabled",
                 "check_assets"):  # fmt: skip
        assert re.search(rf'name="{name}"[^>]*checked|checked[^>]*name="{name}"', form), name
    assert 'value="0160"' in form and "Hardenberg (0160)" in form
    response = admin.post(add, data={
        "csrf_token": csrf_token(admin, add), "cbs_code": "0160", "check_mode": "BEFORE",
        "four_eyes": "OFF",
        "reminder_days": "5, 10, 14", "module_ockto": "y", "module_legitimacy": "y",
        "module_decisions": "y", "reminders_enabled": "y", "check_assets": "y",
        "income_percentage": "130", "advice_margin_percentage": "5", "max_data_age_days": "62",
        "info_request_days": "14", "primary_color": "#1f4e79",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    hardenberg = municipality("0160")
    assert hardenberg.name == "Hardenberg" and hardenberg.organisation_id == isd.id
    assert not checklist.is_complete(hardenberg)
    # The overview of the platform Admin now shows the set-up still to do.
    page = admin.get("/").get_data(as_text=True)
    assert 'data-inrichting="0160"' in page
    done = {i.step: i.done for i in checklist.items(hardenberg)}
    assert not any(done.values())


def test_the_checklist_steps_are_done_on_the_screens(app, db, smtp):
    cases_before = _db.session.scalar(select(func.count(Case.id)))
    with app.app_context():  # the requests get a context of their own (CSRF in g)
        beheerder = login(app, "beheerder.zwolle")
        zwolle = municipality("0193")
        _db.session.query(checklist.SetupProgress).filter_by(municipality_id=zwolle.id).delete()
        _db.session.commit()
        page = "/inrichting/0193"
        assert 'data-klaar="nee"' in beheerder.get(page).get_data(as_text=True)
        token = csrf_token(beheerder, page)
        # The test email goes through the configured mail server, at once.
        beheerder.post(f"{page}/testmail", data={"csrf_token": token, "ontvanger": "ik@example.nl"})
        assert any(m["To"] == "ik@example.nl" for m in smtp.inbox.messages)
        # A template's Voorbeeld of the unsaved text shows that text, and counts as seen.
        template = _db.session.scalar(
            select(Template).where(Template.municipality_id == zwolle.id,
                                   Template.event == TemplateEvent.INVITATION)
        )  # fmt: skip
        shown = beheerder.post(
            f"/sjablonen/preview/{template.id}",
            data={"csrf_token": token, "email_subject": "Nieuw onderwerp {{ gemeente.naam }}",
                  "email_body": "Beste {{ inwoner.naam }}, nog niet opgeslagen.",
                  "letter_body": "Brief"},
        ).get_data(as_text=True)  # fmt: skip
        assert "Nieuw onderwerp Zwolle" in shown and "nog niet opgeslagen" in shown
        _db.session.expire_all()
        assert template.email_subject != "Nieuw onderwerp {{ gemeente.naam }}"  # nothing saved
        assert "INVITATION" in checklist.seen_templates(zwolle)
        pdf = beheerder.post(f"/sjablonen/preview/{template.id}/pdf",
                             data={"csrf_token": token, "letter_body": "Brief"})  # fmt: skip
        assert pdf.mimetype == "application/pdf"
        bad = {"csrf_token": token, "email_body": "{{ geheim }}"}
        unknown = beheerder.post(f"/sjablonen/preview/{template.id}", data=bad)
        shown = unknown.get_data(as_text=True)
        assert "geheim" in shown and 'class="alert alert-danger"' in shown
        # The trial invitation reaches the Beheerder; its link opens the residents' start page.
        beheerder.post(f"{page}/proefuitnodiging", data={"csrf_token": token})
        mail = [m for m in smtp.inbox.messages if "[Proef]" in (m["Subject"] or "")][-1]
        link = re.search(r"http://[^/\s]+(/inwoner/proef/\S+)", mail.get_content()).group(1)
        with app.app_context():  # the resident's requests: a context of their own
            resident = app.test_client()
            start = resident.get(link).get_data(as_text=True)
            assert "Proefuitnodiging" in start and "Geef uw gegevens door" in start
            _db.session.expire_all()
            assert "TEST_INVITATION" not in checklist._marks(zwolle)  # opened, not yet played
            form = {"csrf_token": csrf_token(resident, link)}
            chooser = resident.post(link, data=form).get_data(as_text=True)
            assert 'name="situatie"' in chooser and 'id="proef"' in chooser
            played = resident.post(f"{link}/situatie", data={**form, "situatie": "SINGLE"})
            assert 'id="proef-klaar"' in played.get_data(as_text=True)
            assert _db.session.scalar(select(func.count(Case.id))) == cases_before  # nothing stored
        for step in ("POLICY", "NORMS"):
            beheerder.post(f"{page}/bevestigen/{step}", data={"csrf_token": token})
        _db.session.expire_all()
        done = {i.step: i.done for i in checklist.items(zwolle)}
        assert done[SetupStep.TEST_EMAIL] and done[SetupStep.TEST_INVITATION]
        assert done[SetupStep.POLICY] and done[SetupStep.NORMS] and done[SetupStep.CASEWORKER]
        assert not done[SetupStep.TEMPLATES]  # one of nine seen
        checklist.mark_set_up(zwolle)
        _db.session.commit()
        assert 'id="inrichting-klaar"' in beheerder.get(page).get_data(as_text=True)


def test_a_mail_server_error_is_shown_in_dutch_without_a_stack_trace(app, db):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    try:
        beheerder = login(app, "beheerder.zwolle")
        page = "/inrichting/0193"
        shown = beheerder.post(
            f"{page}/testmail",
            data={"csrf_token": csrf_token(beheerder, page), "ontvanger": "ik@example.nl"},
            follow_redirects=True,
        ).get_data(as_text=True)
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert "De testmail is niet verstuurd: De mailserver 127.0.0.1:" in shown
    assert "niet bereikbaar" in shown and "Traceback" not in shown and "Errno" not in shown


def test_the_checklist_of_another_organisation_is_not_found(app, db):
    beheerder = login(app, "beheerder.zwolle")
    assert beheerder.get("/inrichting/0534").status_code == 404
    token = csrf_token(beheerder, "/inrichting/0193")
    assert beheerder.post("/inrichting/0534/bevestigen/POLICY",
                          data={"csrf_token": token}).status_code == 404  # fmt: skip


def test_a_decision_on_a_case_without_data_needs_an_explanation(app, db, client):
    case = new_case()
    headers = bearer(api_token(client, "medewerker.zwolle"))
    response = client.post(f"/api/v1/case/{case.id}/decide", json={"besluit": "GRANTED"},
                           headers=headers)  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["fouten"][0]["veld"] == "toelichting"
    with app.app_context():
        worker = login(app, "medewerker.zwolle")
        page = worker.get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert 'id="geen-gegevens"' in page
    response = client.post(
        f"/api/v1/case/{case.id}/decide",
        json={"besluit": "GRANTED", "toelichting": "Bijstandsbesluit van 1 maart gezien."},
        headers=headers,
    )
    assert response.status_code == 200


def test_public_base_url_follows_the_port_and_bind_unless_set(monkeypatch):
    import importlib

    import config as config_module

    for name in ("PUBLIC_BASE_URL", "BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    try:
        monkeypatch.setenv("PORT", "8201")
        assert importlib.reload(config_module).Config().PUBLIC_BASE_URL == "http://127.0.0.1:8201"
        monkeypatch.setenv("BIND", "0.0.0.0:9000")
        assert importlib.reload(config_module).Config().PUBLIC_BASE_URL == "http://127.0.0.1:9000"
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://polis.example.nl")
        assert (
            importlib.reload(config_module).Config().PUBLIC_BASE_URL == "https://polis.example.nl"
        )
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "https://localhost", "http://polis.example.nl"]
)
def test_production_refuses_to_start_with_links_residents_cannot_open(url, tmp_path):
    assert base_url_problem(url)
    config = Config()
    config.ENV_NAME = "production"
    config.SECRET_KEY = "a-real-secret-key-for-this-test-only-1234567890"
    config.PUBLIC_BASE_URL = url
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(config)
    assert base_url_problem("https://polis.example.nl") is None


def test_the_overview_warns_beheerders_while_links_only_work_on_this_machine(app):
    page = login(app, "beheerder.zwolle").get("/").get_data(as_text=True)
    assert 'id="link-waarschuwing"' in page and "PUBLIC_BASE_URL" in page
    page = login(app, "medewerker.zwolle").get("/").get_data(as_text=True)
    assert 'id="link-waarschuwing"' not in page


def test_the_demo_is_never_loaded_into_a_production_database(tmp_path):
    config = TestConfig()
    config.ENV_NAME = "production"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.db'}"
    config.UPLOAD_DIR = str(tmp_path / "uploads")
    config.PUBLIC_BASE_URL = "https://polis.example.nl"
    result = create_app(config).test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "nooit in een productiedatabase" in result.output


def test_the_edit_pages_show_the_unsaved_house_style_and_template_text(app):
    with app.app_context():
        zwolle = municipality("0193")
        template = _db.session.scalar(
            select(Template).where(Template.municipality_id == zwolle.id).order_by(Template.id)
        )
        zwolle_id, template_id = zwolle.id, template.id
    beheerder = login(app, "beheerder.zwolle")
    edit = beheerder.get(f"/gemeenten/edit/{zwolle_id}").get_data(as_text=True)
    assert f"/inrichting/gemeente/{zwolle_id}/huisstijl" in edit
    pdf = beheerder.post(
        f"/inrichting/gemeente/{zwolle_id}/huisstijl",
        data={"csrf_token": csrf_token(beheerder, f"/gemeenten/edit/{zwolle_id}"),
              "signature": "Nieuwe ondertekening", "primary_color": "#00ff00"},
    )  # fmt: skip
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    edit = beheerder.get(f"/sjablonen/edit/{template_id}").get_data(as_text=True)
    assert f"/sjablonen/preview/{template_id}" in edit  # FAB gave its edit page no pk
    with app.app_context():
        bollenstreek = municipality("0534").id
    other = beheerder.post(
        f"/inrichting/gemeente/{bollenstreek}/huisstijl",
        data={"csrf_token": csrf_token(beheerder, f"/gemeenten/edit/{zwolle_id}")},
    )
    assert other.status_code == 404


def test_resetting_a_users_password_sends_them_a_link_and_shows_no_password_field(app):
    with app.app_context():
        own = _db.session.scalar(select(User).where(User.username == "medewerker.zwolle"))
        own_id, before = own.id, own.password
        mails = _db.session.scalar(select(func.count(SystemMail.id)))
    beheerder = login(app, "beheerder.zwolle")
    path = f"/resetpassword/form?pk={own_id}"
    page = beheerder.get(path).get_data(as_text=True)
    assert 'name="password"' not in page and "eenmalige link" in page
    assert beheerder.post(path, data={"csrf_token": csrf_token(beheerder, path)}).status_code == 302
    with app.app_context():
        assert _db.session.get(User, own_id).password == before  # unchanged, nobody typed one
        assert _db.session.scalar(select(func.count(SystemMail.id))) == mails + 1


def test_without_a_mail_server_the_operator_prints_a_link_on_the_console(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["account", "link", "medewerker.bollenstreek"])
    assert result.exit_code == 0, result.output
    link = re.search(r"/account/activeren/(\S+)", result.output).group(0)
    with app.app_context():
        assert app.test_client().get(link).status_code == 200
    assert runner.invoke(args=["account", "link", "niemand"]).exit_code != 0
