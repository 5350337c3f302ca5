"""Browser tests: Playwright driving Debian's Chromium against the app on a real port.

The app runs in a server thread of this process on a fresh database with the demo, and
sends email to a local SMTP server; the tests click through it in headless Chromium
(the system binary: no browser download). Without Chromium the browser tests are
skipped with one clear line, except where E2E_REQUIRED=1 (CI) makes that a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_appbuilder.cli import create_admin
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from app.jobs.registry import JOBS
from app.services.inbound.signing import sign
from tests.conftest import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    build_app,
    make_config,
    migrate_app,
    own_database,
)
from tests.smtp import SmtpServer, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
HTMLCS = Path(__file__).parent / "vendor" / "HTMLCS.js"
# Screenshots for the guides (docs/img) when E2E_SCREENSHOTS names a folder.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
PHONE = {"width": 390, "height": 844}
PASSWORDS = {"admin": ADMIN_PASSWORD}


class QuietHandler(WSGIRequestHandler):
    """No access log line per request: the failures are what the test output is for."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LiveServer:
    """The app on 127.0.0.1:<free port>, a fresh database and a local SMTP server."""

    def __init__(self, tmp: Path, empty: bool = False) -> None:
        """`empty`: only the migrated tables and the platform Admin, no demo data."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.smtp = SmtpServer().start()
        database = own_database("e2e_empty" if empty else "e2e", tmp)
        if empty:
            migrate_app(create_app(make_config(database, tmp)))
        else:
            build_app(database, tmp)
        config = make_config(database, tmp)
        config.PUBLIC_BASE_URL = self.url
        config.SMTP_HOST, config.SMTP_PORT = "127.0.0.1", self.smtp.port
        self.app: Flask = create_app(config)
        if empty:
            result = self.app.test_cli_runner().invoke(
                create_admin,
                ["--username", "admin", "--firstname", "Platform", "--lastname", "Beheer",
                 "--email", "admin@example.nl", "--password", ADMIN_PASSWORD],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
        self.server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=QuietHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def run_job(self, name: str) -> Any:
        """Run a scheduled job now (the outbox sends the queued emails to the SMTP server)."""
        with self.app.app_context():
            try:
                return JOBS[name][0]()
            finally:
                db.session.remove()

    def mails_to(self, address: str) -> list[Any]:
        """Every email the SMTP server received for `address`, oldest first."""
        self.run_job("outbox")
        return [m for m in self.smtp.inbox.messages if address in (m["To"] or "")]

    def stop(self) -> None:
        self.server.shutdown()
        self.smtp.stop()
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM or not Path(CHROMIUM).exists():
        message = (
            "Geen Chromium gevonden (Debian-pakket 'chromium' of CHROMIUM_PATH): "
            "de browsertests zijn overgeslagen."
        )
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture()
def new_page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A factory of pages in fresh browser contexts (own cookies), closed after the test."""
    contexts = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=live.url, locale="nl-NL", viewport=viewport or {"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, username: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS.get(username, DEMO_PASSWORD))
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot for the guides when E2E_SCREENSHOTS is set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations axe-core finds on the page."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy (no
    # inline scripts) stays on, as a resident's browser has it.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [(n["target"], n["failureSummary"][-160:]) for n in v["nodes"]][:8],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def htmlcs_errors(page: Any, ignore: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Errors HTML_CodeSniffer (WCAG 2 AA) finds on the page, except the rules in `ignore`
    (rule code -> why it does not apply)."""
    page.evaluate(HTMLCS.read_text() + "\n;undefined")
    messages = page.evaluate(
        """() => new Promise(done => HTMLCS.process('WCAG2AA', document, () => done(
            HTMLCS.getMessages().filter(m => m.type === HTMLCS.ERROR).map(m => ({
                code: m.code, msg: m.msg.slice(0, 160),
                where: (m.element.outerHTML || m.element.nodeName || '').slice(0, 160)
            })))))"""
    )
    skipped = ignore or {}
    return [m for m in messages if not any(m["code"].startswith(rule) for rule in skipped)]


def send_application(live: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST a signed application to the live server, as the application site does."""
    raw = json.dumps(body).encode()
    secret = live.app.config["INTAKE_HMAC_SECRET"]
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    headers = {"Content-Type": "application/json", "X-Signature": sign(secret, raw)}
    connection.request("POST", "/api/v1/intake/aanvraag", raw, headers)
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())
