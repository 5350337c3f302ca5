"""Links in letters: a QR code a phone scans and a short code a person types, both landing
on the resident's own page; the codes are long enough not to be guessed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Channel, ContactPreference, Message, ShortLink, TemplateEvent
from app.services.messaging import outbox, short_links
from app.services.ockto import invitations
from tests.factories import new_case

TOOLS = ("pdftoppm", "zbarimg")  # Debian's poppler-utils and zbar-tools


def _letter(db) -> tuple[Message, str]:
    case = new_case(preference=ContactPreference.LETTER)
    invitation = invitations.issue(case)
    message = db.session.scalar(
        select(Message).where(Message.case_id == case.id, Message.event == TemplateEvent.INVITATION)
    )
    if message is None:
        message = outbox.queue(
            case, TemplateEvent.INVITATION, link=invitations.start_link(invitation)
        )
    db.session.commit()
    return message, invitation.token


def _text(pdf: bytes) -> str:
    import io

    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_a_letter_carries_a_short_code_of_55_bits_that_leads_to_the_start_page(app, db, client):
    message, token = _letter(db)
    assert message.channel == Channel.LETTER
    text = _text(message.pdf)
    shown = re.search(r"typ deze code: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3})", text)
    assert shown, text
    assert f"{app.config['PUBLIC_BASE_URL']}/code" in text
    code = shown.group(1)
    stored = db.session.scalar(select(ShortLink).where(ShortLink.case_id == message.case_id))
    assert stored.code == code.replace("-", "") and len(stored.code) * 5 >= 50
    typed = code.lower().replace("-", " ").replace("0", "o")  # as a person might type it
    response = client.post("/code", data={"csrf_token": _csrf(client), "code": typed})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/inwoner/start/{token}")
    assert client.get(f"/code/{code}").headers["Location"].endswith(f"/inwoner/start/{token}")
    wrong = client.post("/code", data={"csrf_token": _csrf(client), "code": "ABCD-EFGH-JKM"})
    assert wrong.status_code == 404 and "Deze code kennen we niet" in wrong.get_data(as_text=True)


def _csrf(client) -> str:
    page = client.get("/code").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_email_gets_no_short_code(app, db):
    case = new_case(preference=ContactPreference.EMAIL)
    invitation = invitations.issue(case)
    db.session.commit()
    assert db.session.scalar(select(ShortLink).where(ShortLink.case_id == case.id)) is None
    assert invitation.token


def test_codes_are_read_as_people_write_them():
    assert short_links.normalise(" ab1o-cdil ") == "AB10CD11"
    assert short_links.display("ABCDEFGHJKM") == "ABCD-EFGH-JKM"
    assert not set("ILOU") & set(short_links.ALPHABET)


def test_the_qr_code_in_a_letter_scans_to_the_start_page(app, db, client, tmp_path):
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        message = f"{', '.join(missing)} ontbreekt (Debian: poppler-utils, zbar-tools)."
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    message, token = _letter(db)
    pdf = Path(tmp_path) / "brief.pdf"
    pdf.write_bytes(message.pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "pagina")],
                   check=True)  # fmt: skip
    pages = sorted(tmp_path.glob("pagina*.png"))
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", *map(str, pages)], capture_output=True, text=True
    ).stdout.split()
    assert len(scanned) == 1, scanned
    assert scanned[0].endswith(f"/inwoner/start/{token}")
    path = "/" + scanned[0].split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "Geef uw gegevens door" in page.get_data(as_text=True)
