"""The helpers shared by the test modules (fixtures live in conftest.py): one place each."""

from __future__ import annotations

import datetime as dt
import enum
import io
import itertools
import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import flask_appbuilder
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import event, select, update

from app.demo import make_bsn
from app.extensions import db
from app.formatting import AMSTERDAM
from app.models import Case, Municipality, Organisation, enums
from app.services.inbound.signing import sign
from tests.conftest import CSRF_RE, csrf_token


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


# --- Ockto deliveries (contracts/ockto-delivery.md) ----------------------------------

OCKTO_SECRET = "test-ockto-secret"


DELIVERY_PATH = "/api/v1/ockto/levering"


def income(kind="loon", amount="1650.00", period="maand", gross="netto", **extra) -> dict:
    item = {
        "bron": "uwv", "soort": kind, "omschrijving": "Bakkerij De Korenschoof B.V.",
        "bedrag": amount, "bruto_netto": gross, "periode": period,
        "inclusief_vakantiegeld": False, "van": "2026-10-01", "tot": "2026-10-31",
    }  # fmt: skip
    item.update(extra)
    return item


def applicant_of(case: Case, partner_bsn: str | None = None) -> dict:
    return {
        "rol": "aanvrager",
        "bsn": case.applicant.bsn,
        "brp": {
            "voornamen": "Johannes", "tussenvoegsel": "van", "achternaam": "Dijk",
            "geboortedatum": "1980-02-01",
            "burgerlijke_staat": "gehuwd" if partner_bsn else "ongehuwd",
            "partner_bsn": partner_bsn, "partner_bron": "mijnoverheid" if partner_bsn else None,
            "kinderen": [],
            "adres": {"straat": "Kerkstraat", "huisnummer": "12", "huisnummer_toevoeging": "A",
                      "postcode": "8011 AB", "woonplaats": "Zwolle"},
        },
        "inkomsten": [income(), income("zorgtoeslag", "131.00")],
        "vermogen": [
            {"soort": "betaalrekening", "omschrijving": "NL91 ABNA 0417 1643 00",
             "waarde": "-12.45", "peildatum": "2026-11-24"},
            {"soort": "spaarrekening", "omschrijving": "Spaarrekening",
             "waarde": "3100.00", "peildatum": "2026-11-24"},
        ],
        "schulden": [{"soort": "studieschuld", "omschrijving": "DUO", "bedrag": "4200.00",
                      "peildatum": "2026-11-24"}],
    }  # fmt: skip


def partner_person(bsn: str, applicant_bsn: str) -> dict:
    return {
        "rol": "partner",
        "bsn": bsn,
        "brp": {"voornamen": "Maria", "tussenvoegsel": None, "achternaam": "Jansen",
                "geboortedatum": "1982-07-14", "burgerlijke_staat": "gehuwd",
                "partner_bsn": applicant_bsn, "partner_bron": "mijnoverheid",
                "kinderen": [], "adres": None},
        "inkomsten": [income("uitkering", "412.30", "4weken", omschrijving="WW-uitkering",
                             van="2026-10-06", tot="2026-11-02")],
        "vermogen": [],
        "schulden": [],
    }  # fmt: skip


def delivery(
    token: str, case: Case, partner_bsn: str | None = None, delivered: bool = True
) -> dict:
    persons = [applicant_of(case, partner_bsn)]
    if partner_bsn and delivered:
        persons.append(partner_person(partner_bsn, case.applicant.bsn))
    return {
        "levering_id": str(uuid.uuid4()),
        "uitnodiging": token,
        "afgerond_op": "2026-11-24T19:42:10+01:00",
        "personen": persons,
    }


def post_delivery(
    client, body, secret: str = OCKTO_SECRET, timestamp: int | None = None, header=None
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Signature"] = header if header is not None else sign(secret, raw, timestamp)
    return client.post(DELIVERY_PATH, data=raw, headers=headers)


# --- Online applications (contracts/intake-application.md) --------------------------

INTAKE_SECRET = "test-intake-secret"


INTAKE_RNG = random.Random(5150)


INTAKE_TAKEN: set[str] = set()


INTAKE_SEQ = itertools.count(1)


def new_bsn() -> str:
    return make_bsn(INTAKE_RNG, INTAKE_TAKEN)


def payload(cbs: str = "0534", applicant_bsn: str | None = None) -> dict:
    return {
        "aanvraagnummer": f"GV-2026-{900000 + next(INTAKE_SEQ)}",
        "gemeentecode": cbs,
        "ingediend_op": "2026-11-20T10:15:00+01:00",
        "aanvrager": {
            "bsn": applicant_bsn or new_bsn(),
            "voorletters": "J.",
            "tussenvoegsel": "van",
            "achternaam": "Dijk",
            "geboortedatum": "1980-02-01",
            "email": "j.vandijk@example.nl",
            "telefoon": "0612345678",
            "adres": {
                "straat": "Kerkstraat",
                "huisnummer": "12",
                "huisnummer_toevoeging": "A",
                "postcode": "2181 AB",
                "woonplaats": "Hillegom",
            },
        },
        "partner": {
            "bsn": new_bsn(),
            "voorletters": "M.",
            "tussenvoegsel": None,
            "achternaam": "Jansen",
            "geboortedatum": "1982-07-14",
        },
        "kinderen": [
            {
                "bsn": new_bsn(),
                "voorletters": "S.",
                "achternaam": "van Dijk",
                "geboortedatum": "2014-03-02",
            }
        ],
        "verzekering": {
            "verzekeraar": "Zilveren Kruis",
            "pakket": "AV Gemeente Compleet",
            "ingangsdatum": "2027-01-01",
        },
    }


def post_application(
    client,
    body,
    secret: str = INTAKE_SECRET,
    timestamp: int | None = None,
    header: str | None = None,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Signature"] = header if header is not None else sign(secret, raw, timestamp)
    return client.post("/api/v1/intake/aanvraag", data=raw, headers=headers)


# --- Cases with data, the resident's journey, jobs ----------------------------------


def delivered_case(client, partner: bool = True, cbs: str = "0193", **changes) -> Case:
    """An invited case whose Ockto delivery went through the real endpoint."""
    from tests.factories import invited_case  # factories use these helpers themselves

    case, token = invited_case(cbs, partner=partner)
    body = delivery(token, case, case.partner.bsn if partner else None)
    for key, value in changes.items():
        body["personen"][0][key] = value
    response = post_delivery(client, body)
    assert response.status_code == 201, response.get_json()
    return case


def journey(client, token: str, scenario: str):
    """Open the start page, press start, pick the situation in the sandbox: the last page."""
    start = client.get(f"/inwoner/start/{token}")
    assert start.status_code == 200
    csrf = CSRF_RE.search(start.get_data(as_text=True)).group(1)
    begun = client.post(f"/inwoner/start/{token}", data={"csrf_token": csrf})
    assert begun.status_code == 303
    assert begun.headers["Location"].endswith(f"/inwoner/sandbox/{token}")
    picker = client.get(begun.headers["Location"])
    assert picker.status_code == 200
    assert f'value="{scenario}"' in picker.get_data(as_text=True)
    return client.post(f"/inwoner/sandbox/{token}", data={"csrf_token": csrf, "situatie": scenario})


def set_outbox_aside() -> None:
    """Set aside the emails other tests left waiting, for a test that watches the outbox's order."""
    from app.models import Message, MessageStatus

    db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.PENDING)
        .values(status=MessageStatus.NOT_SENT)
    )
    db.session.commit()


def run_job(app, name: str, now: dt.datetime | None = None) -> str:
    """Run a job through the real CLI, as cron or an operator would."""
    from app.cli import register_cli  # noqa: F401 - the commands are on app.cli

    now = now or dt.datetime.now(dt.UTC)
    result = app.test_cli_runner().invoke(
        args=["jobs", "run", name, "--now", now.astimezone(dt.UTC).isoformat()]
    )
    assert result.exit_code == 0, result.output
    return result.output


# --- What a Dutch page must not show: FAB's English strings, bare enum codes -----------

OURS = Path(__file__).resolve().parents[1] / "app" / "translations" / "nl" / "LC_MESSAGES"


def english_fab_strings() -> set[str]:
    """FAB's English strings that have a different Dutch translation."""
    fab = Path(flask_appbuilder.__file__).parent
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None}
    found = {m[2] for m in extract_from_dir(str(fab), method_map=method_map, keywords=keywords)}
    with open(OURS / "messages.po", "rb") as f:
        dutch = {m.id: m.string for m in read_po(f) if m.id}
    return {
        s
        for s in found
        if isinstance(s, str) and len(s) > 2 and re.search("[A-Za-z]{3}", s)
        and dutch.get(s, "") != s
    }  # fmt: skip


def enum_codes() -> set[str]:
    """Codes of every code list whose Dutch label differs from the code."""
    codes = set()
    for value in vars(enums).values():
        if isinstance(value, type) and issubclass(value, enum.Enum) and value is not enum.Enum:
            for member in value:
                label = getattr(member, "label", member.name)
                if label != member.name:
                    codes.add(member.name)
    return codes


ENGLISH = english_fab_strings()
CODES = enum_codes()


# --- The zaaksysteem (Open Zaak's kit, openzaak.json) ---------------------------------


def zgw_settings_of(kit: dict, **changes: object) -> dict:
    body = {
        "zgw_enabled": True,
        "zgw_catalogi_url": kit["apis"]["catalogi"],
        "zgw_zaken_url": kit["apis"]["zaken"],
        "zgw_documenten_url": kit["apis"]["documenten"],
        "zgw_besluiten_url": kit["apis"]["besluiten"],
        "zgw_client_id": kit["client_id"],
        "zgw_secret": kit["secret"],
        "zgw_rsin": kit["rsin"],
        "zgw_zaaktype": kit["zaaktype"],
        "zgw_informatieobjecttype": kit["informatieobjecttype_beschikking"],
        "zgw_informatieobjecttype_inkomend": kit["informatieobjecttype_bewijsstuk"],
        "zgw_besluittype": kit["besluittype"],
    }
    body.update(changes)
    return body


def free_port() -> int:
    """A free TCP port on the loopback address."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET on a real server (0 when nothing answers)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def wait_for_health(base: str, seconds: float) -> bool:
    """Wait until the instance at `base` answers /health with 200."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if http_get(f"{base}/health")[0] == 200:
            return True
        time.sleep(0.3)
    return False


def reassessment_csv(count: int, refused: int = 0, town: str = "Zwolle") -> bytes:
    """A reassessment file of `count` new residents and `refused` rows with a bad BSN."""
    header = "BSN;Voorletters;Achternaam;Geboortedatum;Straat;Huisnummer;Postcode;Woonplaats"
    rows = [
        f"{new_bsn()};J.;Jansen;01-02-1960;Kerkstraat;{n + 1};8011AB;{town}" for n in range(count)
    ]
    rows += [
        f"12345;P.;Pietersen;02-03-1961;Kerkstraat;{n + 1};8011AB;{town}" for n in range(refused)
    ]
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


@contextmanager
def counted(app: Any) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def wait_for_import(client: Any, record_id: int) -> None:
    """Poll an import's progress on the screens until its step is done."""
    for _ in range(200):
        if client.get(f"/import/show/{record_id}/voortgang").get_json()["klaar"]:
            return
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def upload_on_screen(
    client: Any, data: bytes, filename: str, cbs_code: str = "0193"
) -> tuple[str, int]:
    """Upload a reassessment file through the screens and wait for its check.

    Returns the form's CSRF token (to confirm with) and the import's id.
    """
    token = csrf_token(client, "/import/nieuw/heronderzoek")
    response = client.post(
        "/import/nieuw/heronderzoek",
        data={"csrf_token": token, "gemeentecode": cbs_code,
              "bestand": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    record_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    wait_for_import(client, record_id)
    return token, record_id
