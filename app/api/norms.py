"""/api/v1/national_norm/ and /api/v1/asset_limit/: norms and asset limits."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowError

from ..models import AssetHouseholdType, AssetLimit, NationalNorm
from ..services.legitimacy import assessment, norms
from ..web.tenancy import TENANT
from .common import RestApi, answer


class NationalNormSchema(Schema):
    id = fields.Integer()
    valid_from = fields.Date()
    household_type = fields.Function(lambda n: n.household_type.name)
    amount = fields.Function(lambda n: f"{n.amount:.2f}")
    verified = fields.Boolean()
    source = fields.String(allow_none=True)


def _period_start(value: Any) -> None:
    error = norms.period_start_error(value)
    if error:
        raise MarshmallowError(error)


class NationalNormApi(RestApi):
    """National norms (read: all; change: platform Admin); every change recomputes."""

    noun = ("Landelijke norm", "Landelijke normen")
    resource_name = "national_norm"
    datamodel = SQLAInterface(NationalNorm)
    include_route_methods = {"get", "get_list", "info", "post", "put", "delete", "period"}
    validators_columns = {"valid_from": _period_start}
    list_columns = show_columns = [
        "id",
        "valid_from",
        "household_type",
        "amount",
        "verified",
        "source",
    ]
    list_model_schema = NationalNormSchema()
    show_model_schema = NationalNormSchema()
    add_columns = edit_columns = ["valid_from", "household_type", "amount", "verified", "source"]
    search_columns = ["valid_from", "household_type", "verified"]
    base_order = ("valid_from", "desc")

    def post_add(self, item: NationalNorm) -> None:
        assessment.recompute_open(None, "normen gewijzigd")

    def post_update(self, item: NationalNorm) -> None:
        assessment.recompute_open(None, "normen gewijzigd")

    def post_delete(self, item: NationalNorm) -> None:
        assessment.recompute_open(None, "normen gewijzigd")

    @expose("/period", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def period(self) -> Response:
        """Add a period of national norms: all five household types from 1 January or 1 July.
        ---
        post:
          summary: Add a norm period (body valid_from, bedragen per household type, verified,
            source) and recompute the open cases
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [valid_from, bedragen]
                  properties:
                    valid_from:
                      type: string
                      format: date
                    bedragen:
                      type: object
                      properties:
                        SINGLE:
                          type: string
                          pattern: "^[0-9]{1,10}([.][0-9]{1,2})?$"
                        COUPLE:
                          type: string
                          pattern: "^[0-9]{1,10}([.][0-9]{1,2})?$"
                        SINGLE_PENSION:
                          type: string
                          pattern: "^[0-9]{1,10}([.][0-9]{1,2})?$"
                        COUPLE_PENSION:
                          type: string
                          pattern: "^[0-9]{1,10}([.][0-9]{1,2})?$"
                        SINGLE_YOUNG:
                          type: string
                          pattern: "^[0-9]{1,10}([.][0-9]{1,2})?$"
                    verified:
                      type: boolean
                    source:
                      type: string
                      nullable: true
          responses:
            201:
              description: The new rows and herberekend (count of open cases recomputed)
            403:
              description: Not the platform Admin
            422:
              description: Invalid period or amounts
        """
        body = request.get_json(silent=True)
        return answer(
            lambda: norms.add_norm_period(body),
            lambda added: self.response(
                201, result=[NationalNormSchema().dump(r) for r in added[0]], herberekend=added[1]
            ),
        )


ASSET_LIMIT_BODY = {
    "type": "object",
    "required": ["valid_from", "household_type", "amount"],
    "properties": {
        "valid_from": {"type": "string", "format": "date"},
        "household_type": {"type": "string", "enum": [k.name for k in AssetHouseholdType]},
        "amount": {"type": "string", "pattern": "^[0-9]{1,10}([.][0-9]{1,2})?$"},
        "municipality": {"type": "string", "nullable": True, "pattern": "^[0-9]{4}$"},
        "verified": {"type": "boolean"},
        "source": {"type": "string", "nullable": True},
    },
}


class AssetLimitSchema(Schema):
    id = fields.Integer()
    valid_from = fields.Date()
    household_type = fields.Function(lambda n: n.household_type.name)
    amount = fields.Function(lambda n: f"{n.amount:.2f}")
    municipality = fields.Function(lambda n: n.municipality.cbs_code if n.municipality else None)
    verified = fields.Boolean()
    source = fields.String(allow_none=True)


class AssetLimitApi(RestApi):
    """Asset limits: national rows (Admin) and municipal overrides (Beheerder)."""

    noun = ("Vermogensgrens", "Vermogensgrenzen")

    def add_apispec_components(self, api_spec: Any) -> None:
        """The body of POST and PUT, once."""
        super().add_apispec_components(api_spec)
        api_spec.components.schema("AssetLimitInvoer", ASSET_LIMIT_BODY)

    resource_name = "asset_limit"
    datamodel = SQLAInterface(AssetLimit)
    include_route_methods = {"get", "get_list", "info", "post", "put", "delete"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "valid_from",
        "household_type",
        "amount",
        "municipality",
        "verified",
        "source",
    ]
    list_model_schema = AssetLimitSchema()
    show_model_schema = AssetLimitSchema()
    add_columns = edit_columns = [
        "valid_from",
        "household_type",
        "amount",
        "municipality",
        "verified",
        "source",
    ]
    search_columns = ["valid_from", "household_type", "municipality", "verified"]
    base_order = ("valid_from", "desc")

    def _call(self, action: Any, ok_status: int = 200) -> Response:
        """Run an asset-limit service call and answer in the contract's shape."""

        def ok(limit: Any) -> Response:
            if limit is None:
                return self.response(ok_status, message="OK")
            return self.response(ok_status, id=limit.id, result=AssetLimitSchema().dump(limit))

        return answer(
            action, ok, not_found="Vermogensgrens niet gevonden.", refused_field="municipality"
        )

    def _save(self, pk: int | None) -> Response:
        body = request.get_json(silent=True)
        return self._call(lambda: norms.save_asset_limit(body, pk), 201 if pk is None else 200)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self) -> Response:
        """Add an asset limit; `municipality` is a CBS code, or null for a national limit.
        ---
        post:
          summary: Add an asset limit
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/AssetLimitInvoer'
          responses:
            201:
              description: The new limit
        """
        return self._save(None)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk: int) -> Response:
        """Change an asset limit.
        ---
        put:
          summary: Change an asset limit
          parameters:
          - pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/AssetLimitInvoer'
          responses:
            200:
              description: The changed limit
        """
        return self._save(pk)

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk: int) -> Response:
        """Delete a municipal asset limit (national ones: Admin only).
        ---
        delete:
          summary: Delete an asset limit
          parameters:
          - pk
          responses:
            200:
              description: Deleted
        """
        return self._call(lambda: norms.delete_asset_limit(pk))
