"""/api/v1/organisation/: organisations, and their first users by one-time link."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import ValidationError

from ..models import Organisation
from ..roles import current_user
from ..services.onboarding import accounts, organisations
from ..services.security import audit
from ..web.tenancy import TENANT
from .common import RestApi, answer


def _validate_name(value: Any) -> None:
    # On PUT the organisation may keep its own name.
    pk = (request.view_args or {}).get("pk")
    problem = organisations.name_problem(value, pk if isinstance(pk, int) else None)
    if problem:
        raise ValidationError(problem)


class OrganisationApi(RestApi):
    """Organisations: the platform Admin creates and changes them; a Beheerder reads their own."""

    noun = ("Organisatie", "Organisaties")
    resource_name = "organisation"
    datamodel = SQLAInterface(Organisation)
    include_route_methods = {"get", "get_list", "info", "post", "put", "users"}
    base_filters = TENANT
    list_columns = show_columns = ["id", "name", "kind", "created_on"]
    add_columns = edit_columns = ["name", "kind"]
    search_columns = ["name", "kind"]
    validators_columns = {"name": _validate_name}

    def post_add(self, item: Organisation) -> None:
        audit.object_changed("organisation", item.id, "create")

    def post_update(self, item: Organisation) -> None:
        audit.object_changed("organisation", item.id, "update")

    @expose("/<int:pk>/users", methods=["POST"])
    @protect()
    @safe
    @permission_name("users")
    def users(self, pk: int) -> Response:
        """Create a Beheerder or Medewerker, who gets an email with a one-time link (72 hours).
        ---
        post:
          summary: Gebruiker aanmaken (eenmalige link per e-mail, nooit een wachtwoord)
          parameters:
          - pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [username, email, first_name, last_name, role]
                  properties:
                    username: {type: string}
                    email: {type: string}
                    first_name: {type: string}
                    last_name: {type: string}
                    role: {type: string, enum: [Beheerder, Medewerker]}
          responses:
            201:
              description: id and username of the new user
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      username: {type: string}
            404:
              description: Not an organisation of this user
            422:
              description: Invalid fields
        """
        body = request.get_json(silent=True)
        return answer(
            lambda: accounts.invite(current_user(), pk, body if isinstance(body, dict) else {}),
            lambda user: self.response(201, id=user.id, username=user.username),
            not_found="Organisatie niet gevonden.",
        )
