"""A working day compressed, for Locust (`make loadtest` runs it; see bench/loadtest.py).

Runs in its own venv (.venv-load): it imports nothing of the app and talks to the two
instances over HTTP only, as caseworkers, beheerders, the intake, Ockto and residents do.
LOAD_HOSTS lists the instances; LOAD_FIXTURES is the JSON the preparation wrote (accounts,
case ids, BSNs, invitation and upload tokens, import files); LOAD_OUTCOME receives what
the partners saw stored, for the exactly-once check.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, constant, events, task
from requests.adapters import HTTPAdapter

HOSTS = os.environ["LOAD_HOSTS"].split(",")
with open(os.environ["LOAD_FIXTURES"], encoding="utf-8") as _handle:
    FIXTURES = json.load(_handle)
MINUTES = float(os.environ.get("LOAD_MINUTES", "10"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Partners' signature (contracts/signing.md): HMAC-SHA256 over "<t>.<body>".
INTAKE_SECRET = FIXTURES["intake_secret"]
OCKTO_SECRET = FIXTURES["ockto_secret"]

_host = itertools.cycle(HOSTS)
_caseworker = itertools.count()
_beheerder = itertools.count()
OUTCOME: dict[str, dict[str, int]] = {"aanvragen": {}, "leveringen": {}}


def sign(secret: str, body: bytes) -> str:
    t = str(int(time.time()))
    digest = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def form_login(user: HttpUser, username: str) -> None:
    page = user.client.get("/login/", name="scherm: inlogpagina").text
    user.client.post(
        "/login/",
        data={"username": username, "password": FIXTURES["password"],
              "csrf_token": CSRF.search(page).group(1)},
        name="scherm: inloggen", allow_redirects=False,
    )  # fmt: skip


def api_login(user: HttpUser, username: str) -> dict[str, str]:
    answer = user.client.post(
        "/api/v1/security/login",
        json={"username": username, "password": FIXTURES["password"], "provider": "db"},
        name="api: inloggen",
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


class Caseworker(HttpUser):
    """40 caseworkers: lists, filters, a case, a BSN search, memos and decisions."""

    weight = 40
    wait_time = between(1, 4)

    def on_start(self) -> None:
        # The client was made for --host (instance 0): spread the people over both instances.
        self.client.base_url = next(_host)
        self.account = FIXTURES["caseworkers"][next(_caseworker) % len(FIXTURES["caseworkers"])]
        form_login(self, self.account["username"])
        self.bearer = api_login(self, self.account["username"])
        self.to_decide = list(self.account["to_decide"])

    @task(4)
    def case_list(self) -> None:
        self.client.get("/zaken/list/", name="scherm: zakenlijst")

    @task(2)
    def filtered_list(self) -> None:
        status = random.choice(["DATA_RECEIVED", "INVITED", "NEW"])
        self.client.get(f"/zaken/list/?_flt_0_status={status}", name="scherm: zakenlijst gefilterd")

    @task(3)
    def rest_list(self) -> None:
        q = ("(filters:!((col:status,opr:eq,value:DATA_RECEIVED)),"
             "order_column:created_on,order_direction:desc,page:0,page_size:25)")  # fmt: skip
        self.client.get("/api/v1/case/", params={"q": q}, headers=self.bearer,
                        name="api: zakenlijst gefilterd")  # fmt: skip

    @task(4)
    def case_detail(self) -> None:
        case_id = random.choice(self.account["cases"])
        self.client.get(f"/zaken/show/{case_id}", name="scherm: zaak")

    @task(2)
    def bsn_search(self) -> None:
        page = self.client.get("/zaken/zoek-bsn", name="scherm: zoeken op bsn (formulier)").text
        self.client.post(
            "/zaken/zoek-bsn",
            data={"bsn": random.choice(self.account["bsns"]),
                  "csrf_token": CSRF.search(page).group(1)},
            name="scherm: zoeken op bsn",
        )  # fmt: skip

    @task(1)
    def memo(self) -> None:
        self.client.post(
            "/api/v1/memo/",
            json={"case_id": random.choice(self.account["cases"]),
                  "text": "Gebeld met de inwoner; stukken volgen."},
            headers=self.bearer, name="api: memo",
        )  # fmt: skip

    @task(1)
    def decide(self) -> None:
        if not self.to_decide:
            return
        case_id = self.to_decide.pop()
        self.client.post(
            f"/api/v1/case/{case_id}/decide",
            json={"besluit": "GRANTED", "toelichting": "Inkomen en vermogen gecontroleerd."},
            headers=self.bearer, name="api: besluit",
        )  # fmt: skip


class Beheerder(HttpUser):
    """5 beheerders: one import of 20,000 rows each over the day, exports, the overview."""

    weight = 5
    wait_time = between(20, 40)

    def on_start(self) -> None:
        # The client was made for --host (instance 0): spread the people over both instances.
        self.client.base_url = next(_host)
        n = next(_beheerder)
        self.account = FIXTURES["beheerders"][n % len(FIXTURES["beheerders"])]
        self.bearer = api_login(self, self.account["username"])
        form_login(self, self.account["username"])
        # Spread the imports over the first two thirds of the day.
        self.import_at = time.monotonic() + (n + 0.5) * MINUTES * 60 * 0.6 / 5
        self.imported = False

    @task(3)
    def overview(self) -> None:
        self.client.get("/", name="scherm: overzicht")

    @task(2)
    def export(self) -> None:
        with self.client.get(
            "/api/v1/case/export",
            params={"format": "csv", "q": "(filters:!((col:status,opr:eq,value:DATA_RECEIVED)))"},
            headers=self.bearer, name="api: export csv", stream=True, catch_response=True,
        ) as answer:  # fmt: skip
            for _chunk in answer.iter_content(65536):
                pass
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")

    @task(1)
    def import_file(self) -> None:
        if self.imported or time.monotonic() < self.import_at:
            return
        self.imported = True
        with open(self.account["import_file"], "rb") as handle:
            self.client.post(
                "/api/v1/import/reassessment",
                files={"file": ("herbeoordeling.csv", handle, "text/csv")},
                data={"gemeentecode": self.account["cbs_code"], "dry_run": "false"},
                headers=self.bearer, name="api: import 20.000 rijen", timeout=600,
            )  # fmt: skip


class Partner(HttpUser):
    """The intake and Ockto: every two minutes a burst of 10 s, 20 applications and 10
    deliveries per second; one in ten is sent again (a partner retrying after a timeout)."""

    fixed_count = 1
    wait_time = constant(0)

    def on_start(self) -> None:
        self.host = HOSTS[0]
        # A partner's webhook opens a connection per request (no idle keep-alive to race).
        self.client.headers["Connection"] = "close"
        self.client.mount("http://", HTTPAdapter(pool_maxsize=50))
        self.deliveries = list(FIXTURES["deliveries"])
        self.start = time.monotonic()

    @task
    def burst(self) -> None:
        for _second in range(10):
            began = time.monotonic()
            jobs = [gevent.spawn(self._application, HOSTS[n % 2]) for n in range(20)]
            jobs += [gevent.spawn(self._delivery, HOSTS[n % 2]) for n in range(10)]
            gevent.joinall(jobs)
            gevent.sleep(max(0.0, 1 - (time.monotonic() - began)))
        gevent.sleep(110)

    def _post(self, base: str, path: str, body: dict, secret: str, name: str) -> int:
        raw = json.dumps(body).encode()
        for attempt in range(1, 6):  # retries until stored, as the contract asks partners
            with self.client.post(
                f"{base}{path}", data=raw, name=name, catch_response=True,
                headers={"Content-Type": "application/json", "X-Signature": sign(secret, raw)},
            ) as answer:  # fmt: skip
                if answer.status_code in (200, 201):
                    answer.success()
                    if random.random() < 0.1:  # sent again after a "timeout"
                        again = self.client.post(
                            f"{base}{path}", data=raw, name=f"{name} (herhaald)",
                            headers={"Content-Type": "application/json",
                                     "X-Signature": sign(secret, raw)},
                        )  # fmt: skip
                        assert again.status_code == 200, again.text
                    return answer.status_code
                answer.failure(answer.error or f"{answer.status_code}: {answer.text[:200]}")
            gevent.sleep(attempt)
        return 0

    def _application(self, base: str) -> None:
        if not FIXTURES["applications"]:
            return
        body = FIXTURES["applications"].pop()
        number = body["aanvraagnummer"]
        status = self._post(base, "/api/v1/intake/aanvraag", body, INTAKE_SECRET,
                            "partner: aanvraag")  # fmt: skip
        OUTCOME["aanvragen"][number] = status

    def _delivery(self, base: str) -> None:
        if not self.deliveries:
            return
        body = self.deliveries.pop()
        key = body["levering_id"]
        status = self._post(base, "/api/v1/ockto/levering", body, OCKTO_SECRET,
                            "partner: ockto-levering")  # fmt: skip
        OUTCOME["leveringen"][key] = status


class Resident(HttpUser):
    """Residents uploading the documents asked of them."""

    weight = 5
    wait_time = between(5, 15)

    def on_start(self) -> None:
        # The client was made for --host (instance 0): spread the people over both instances.
        self.client.base_url = next(_host)

    @task
    def upload(self) -> None:
        if not FIXTURES["uploads"]:
            return
        token = FIXTURES["uploads"].pop()
        page = self.client.get(f"/inwoner/upload/{token}", name="inwoner: uploadpagina").text
        pdf = b"%PDF-1.4\n%" + os.urandom(200_000) + b"\n%%EOF\n"
        with self.client.post(
            f"/inwoner/upload/{token}",
            data={"csrf_token": CSRF.search(page).group(1)},
            files={"bestanden": ("loonstrook.pdf", pdf, "application/pdf")},
            name="inwoner: document uploaden", catch_response=True,
        ) as answer:  # fmt: skip
            # The upload page answers 200 either way; a refusal lists its reasons.
            if "wij hebben uw stukken ontvangen" not in answer.text:
                answer.failure("niet opgeslagen")


@events.test_stop.add_listener
def _write_outcome(**_kwargs) -> None:
    with open(os.environ["LOAD_OUTCOME"], "w", encoding="utf-8") as handle:
        json.dump(OUTCOME, handle)
