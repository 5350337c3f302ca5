"""A ZGW client of our own size: a fresh JWT per call, `Accept-Crs` on Zaken, Dutch errors.

`requests` (already pinned for the product's other HTTP needs' tests, now a runtime
dependency) and PyJWT (Flask-AppBuilder's own JWT library) do the work; the ZGW client
libraries on PyPI are Django apps (zgw-consumers) or unmaintained, so a hundred lines
of our own are the smaller dependency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests

TIMEOUT = 10  # seconds per call: registration runs in a job, never in a user's request
PRODUCT = "Gemeentepolis Backoffice"
REFUSED = (
    "Het zaaksysteem weigert de toegang: controleer client-id en geheim, en de rechten van "
    "de applicatie."
)


class ZgwError(Exception):
    """A call that failed, with a Dutch reason a Beheerder can act on (never the secret)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Credentials:
    """Who we are at the zaaksysteem: the application's client id and shared secret."""

    client_id: str
    secret: str = ""

    def __repr__(self) -> str:  # the secret never reaches a log line through a repr
        return f"Credentials(client_id={self.client_id!r})"


def token(credentials: Credentials, user: str = PRODUCT) -> str:
    """A ZGW JWT (HS256): fresh per call, since tokens expire an hour after `iat`."""
    claims = {
        "iss": credentials.client_id,
        "client_id": credentials.client_id,
        "iat": int(time.time()),
        "user_id": user,
        "user_representation": user,
    }
    return jwt.encode(claims, credentials.secret, algorithm="HS256")


class ZgwClient:
    """GET and POST on the four APIs with the headers the standard asks."""

    def __init__(self, credentials: Credentials, user: str = PRODUCT) -> None:
        self.credentials = credentials
        self.user = user

    def _headers(self, url: str, write: bool) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token(self.credentials, self.user)}",
                   "Accept": "application/json"}  # fmt: skip
        if "/zaken/" in url:
            headers["Accept-Crs"] = "EPSG:4326"
            if write:
                headers["Content-Crs"] = "EPSG:4326"
        return headers

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON at `url`; ZgwError when it cannot be had."""
        return self._call("GET", url, params=params)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        """Create at `url`; ZgwError when refused."""
        return self._call("POST", url, json=body)

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response = requests.request(
                method, url, headers=self._headers(url, method != "GET"), timeout=TIMEOUT,
                **kwargs,
            )  # fmt: skip
        except requests.Timeout:
            raise ZgwError("Het zaaksysteem antwoordt niet (time-out).") from None
        except requests.RequestException:
            raise ZgwError("Het zaaksysteem is niet bereikbaar op dit adres.") from None
        if response.status_code in (401, 403):
            raise ZgwError(REFUSED, response.status_code)
        if response.status_code == 404:
            raise ZgwError("Niet gevonden in het zaaksysteem.", 404)
        if response.status_code >= 400:
            raise ZgwError(f"Het zaaksysteem weigerde het verzoek ({response.status_code})"
                           f"{_invalid(response)}.", response.status_code)  # fmt: skip
        try:
            return response.json()
        except ValueError:
            raise ZgwError("Het zaaksysteem gaf geen JSON terug: is dit de juiste API?") from None


def _invalid(response: requests.Response) -> str:
    """The fields a ZGW 400 names (`invalidParams`), for the Beheerder: ": veld (reden)"."""
    try:
        params = response.json().get("invalidParams") or []
    except (ValueError, AttributeError):
        return ""
    named = [f"{p.get('name')} ({p.get('reason')})" for p in params if isinstance(p, dict)]
    return f": {'; '.join(named)[:300]}" if named else ""
