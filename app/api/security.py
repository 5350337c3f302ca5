"""API login: the same throttle and second factor as the form, short-lived tokens."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token

from ..services.security import audit, login_guard, two_factor
from .common import ContractErrors, error_response, errors, register_spec_components

CODE_NEEDED = (
    "Geef in het veld 'code' de code van uw authenticator-app (tweestapsverificatie) "
    "of een herstelcode."
)
ENROL_FIRST = (
    "Tweestapsverificatie is voor u verplicht: log eerst in op het scherm en richt het daar in."
)
INVALID = "Onjuiste gebruikersnaam of wachtwoord."
# What a client hears when its bearer credential is missing, wrong or too old.
CREDENTIAL_PROBLEMS = {
    "missing": "Log in: stuur 'Authorization: Bearer <access_token>' mee.",
    "wrong": "Het token klopt niet. Log opnieuw in.",
    "expired": "Het token is verlopen. Log opnieuw in of gebruik het refresh-token.",
}


def answer_token_errors_in_dutch(jwt_manager: JWTManager) -> None:
    """Every missing, malformed, expired or revoked token: 401 in the contract's shape.

    flask-jwt-extended answers {"msg": ...} in English, and 422 for a malformed token.
    """

    def refuse(problem: str) -> Response:
        return error_response(401, [{"veld": None, "melding": CREDENTIAL_PROBLEMS[problem]}])

    jwt_manager.unauthorized_loader(lambda _reason: refuse("missing"))
    jwt_manager.invalid_token_loader(lambda _reason: refuse("wrong"))
    jwt_manager.expired_token_loader(lambda _header, _data: refuse("expired"))
    jwt_manager.revoked_token_loader(lambda _header, _data: refuse("wrong"))
    jwt_manager.needs_fresh_token_loader(lambda _header, _data: refuse("expired"))
    jwt_manager.token_verification_failed_loader(lambda _header, _data: refuse("wrong"))
    jwt_manager.user_lookup_error_loader(lambda _header, _data: refuse("wrong"))


class SecurityApi(ContractErrors, FabSecurityApi):
    """`POST /api/v1/security/login` with throttling and TOTP; `refresh` stays FAB's."""

    def add_apispec_components(self, api_spec: Any) -> None:
        """Also register the spec's shared pieces, once (this API is always there)."""
        super().add_apispec_components(api_spec)
        register_spec_components(api_spec)

    @expose("/login", methods=["POST"])
    @safe
    def login(self) -> Response:
        """Log in and receive a short-lived access token (and a refresh token on request).
        ---
        post:
          description: >-
            Inloggen met gebruikersnaam en wachtwoord, en met `code` wanneer de gebruiker
            tweestapsverificatie gebruikt. Na te veel mislukte pogingen volgt 429.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [username, password]
                  properties:
                    username:
                      type: string
                    password:
                      type: string
                    provider:
                      type: string
                      enum: [db]
                    refresh:
                      type: boolean
                    code:
                      type: string
                      description: TOTP-code (6 cijfers) of herstelcode
          responses:
            200:
              description: Ingelogd
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/Fouten'
            401:
              $ref: '#/components/responses/Fouten'
            403:
              $ref: '#/components/responses/Fouten'
            429:
              $ref: '#/components/responses/Fouten'
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return errors(400, [{"veld": None, "melding": "Stuur een JSON-object."}])
        problems = _problems(body)
        if problems:
            return errors(400, problems)
        try:
            user = self.appbuilder.sm.auth_user_db(body["username"], body["password"])
        except login_guard.Throttled as exc:
            return errors(429, [{"veld": None, "melding": exc.message}])
        if not user:
            return errors(401, [{"veld": None, "melding": INVALID}])
        if two_factor.is_enrolled(user):
            code = body.get("code")
            if not code:
                return errors(401, [{"veld": "code", "melding": CODE_NEEDED}])
            if not two_factor.verify(user, code):
                login_guard.failed(user.username, request.remote_addr)
                audit.second_factor(user, success=False)
                return errors(
                    401, [{"veld": "code", "melding": "Deze code klopt niet of is al gebruikt."}]
                )
        elif two_factor.is_required(user):
            return errors(403, [{"veld": None, "melding": ENROL_FIRST}])
        login_guard.succeeded(user.username)
        tokens = {"access_token": create_access_token(identity=str(user.id), fresh=True)}
        if body.get("refresh"):
            tokens["refresh_token"] = create_refresh_token(identity=str(user.id))
        return self.response(200, **tokens)


def _problems(body: dict[str, Any]) -> list[dict[str, str | None]]:
    found: list[dict[str, str | None]] = []
    for name in ("username", "password"):
        if not isinstance(body.get(name), str) or not body[name]:
            found.append({"veld": name, "melding": f"Het veld '{name}' is verplicht (tekst)."})
    if body.get("provider", "db") != "db":
        found.append({"veld": "provider", "melding": "Alleen 'db' wordt ondersteund."})
    if "refresh" in body and not isinstance(body["refresh"], bool):
        found.append({"veld": "refresh", "melding": "Het veld 'refresh' is true of false."})
    if "code" in body and not isinstance(body["code"], str | None):
        found.append({"veld": "code", "melding": "Het veld 'code' is tekst."})
    return found
