"""/api/v1/memo/: memos on cases, added through the service."""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields

from ..models import Memo
from ..services import tenancy
from ..services.cases import records
from ..services.errors import ValidationError as InputError
from ..web.tenancy import TENANT
from .common import RestApi, errors


class MemoSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    text = fields.String()
    created_on = fields.DateTime()
    created_by = fields.Function(lambda m: m.created_by.username if m.created_by else None)


class MemoApi(RestApi):
    """Memos on cases: read, and add through the case service."""

    noun = ("Memo", "Memo's")
    resource_name = "memo"
    datamodel = SQLAInterface(Memo)
    include_route_methods = {"get", "get_list", "info", "post"}
    base_filters = TENANT
    list_columns = show_columns = ["id", "case_id", "text", "created_on", "created_by"]
    list_model_schema = MemoSchema()
    show_model_schema = MemoSchema()
    search_columns = ["case", "text", "created_on"]
    add_columns = ["text"]

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self) -> Response:
        """Add a memo to a case: {"case_id": 1, "text": "..."}.
        ---
        post:
          summary: Add a memo
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [case_id, text]
                  properties:
                    case_id:
                      type: integer
                    text:
                      type: string
          responses:
            201:
              description: The memo
            404:
              $ref: '#/components/responses/Fouten'
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return errors(400, [{"veld": None, "melding": "De body is geen JSON-object."}])
        case_id = body.get("case_id")
        if not isinstance(case_id, int) or isinstance(case_id, bool):
            return errors(
                422, [{"veld": "case_id", "melding": "Geef het id van de zaak (een getal)."}]
            )
        try:
            memo = records.add_memo(
                case_id, body.get("text") if isinstance(body.get("text"), str) else ""
            )
        except tenancy.NotFound:
            return errors(404, [{"veld": "case_id", "melding": "Zaak niet gevonden."}])
        except InputError as exc:
            return errors(422, [{"veld": "text", "melding": e["melding"]} for e in exc.errors])
        return self.response(201, id=memo.id, result=MemoSchema().dump(memo))
