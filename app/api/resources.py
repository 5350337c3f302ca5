"""The REST API (contracts/rest-api.md) on FAB's ModelRestApi, tenant-scoped and audited."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context
from flask_appbuilder.api import ModelRestApi, expose, rison, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, ValidationError, fields, validate

from ..models import AssetLimit, AuditLog, Case, Memo, Message, Municipality, NationalNorm
from ..services import audit, cases, export, municipalities, tenancy
from ..views.base import TenantFilter

TENANT = [["id", TenantFilter, lambda: None]]


def errors(status: int, items: list[dict[str, Any]]) -> Response:
    """The contract's error body: {"fouten": [{"veld": ..., "melding": ...}]}."""
    from flask import jsonify

    return jsonify(fouten=items), status


def _code(value: Any) -> str | None:
    return value.name if value is not None else None


def _person(attr: str, field: str) -> fields.Function:
    def get(case: Case) -> Any:
        person = getattr(case, attr)
        if person is None:
            return None
        return person.bsn if field == "bsn" else person.full_name

    return fields.Function(get)


class CaseSchema(Schema):
    """A case as municipal systems read it: English codes, CBS code, BSNs and names."""

    id = fields.Integer()
    kind = fields.Function(lambda c: _code(c.kind))
    status = fields.Function(lambda c: _code(c.status))
    advice = fields.Function(lambda c: _code(c.advice))
    decision = fields.Function(lambda c: _code(c.decision))
    decision_reasons = fields.Raw()
    municipality = fields.Function(lambda c: c.municipality.cbs_code)
    application_number = fields.String(allow_none=True)
    contract_number = fields.String(allow_none=True)
    applicant_bsn = _person("applicant", "bsn")
    applicant_name = _person("applicant", "name")
    partner_bsn = _person("partner", "bsn")
    partner_name = _person("partner", "name")
    contact_preference = fields.Function(lambda c: _code(c.contact_preference))
    children_count = fields.Integer()
    linked_case_id = fields.Integer(allow_none=True)
    created_on = fields.DateTime()
    changed_on = fields.DateTime()


CASE_COLUMNS = [
    "id",
    "kind",
    "status",
    "advice",
    "decision",
    "municipality",
    "application_number",
    "contract_number",
    "applicant",
    "partner",
    "contact_preference",
    "children_count",
    "created_on",
    "changed_on",
]


class CaseApi(ModelRestApi):
    """Cases, read-only; state changes go through the case actions."""

    resource_name = "case"
    datamodel = SQLAInterface(Case)
    include_route_methods = {"get", "get_list", "info", "export", "invite"}
    base_filters = TENANT
    list_columns = show_columns = CASE_COLUMNS
    list_model_schema = CaseSchema()
    show_model_schema = CaseSchema()
    search_columns = [
        "status",
        "kind",
        "advice",
        "decision",
        "municipality",
        "application_number",
        "contract_number",
        "contact_preference",
        "created_on",
        "changed_on",
    ]
    order_columns = ["id", "status", "kind", "created_on", "changed_on"]
    base_order = ("id", "asc")

    def pre_get_list(self, data: dict[str, Any]) -> None:
        audit.case_list_viewed(data.get("count", 0), channel="api")

    def pre_get(self, data: dict[str, Any]) -> None:
        audit.case_viewed(data.get("id"), channel="api")

    @expose("/<int:pk>/invite", methods=["POST"])
    @protect()
    @safe
    @permission_name("invite")
    def invite(self, pk: int) -> Response:
        """Send the Ockto invitation of a NEW reassessment (module ockto).
        ---
        post:
          summary: Invite (NEW -> INVITED)
          responses:
            200:
              description: The case's new status
        """
        from ..services import reassessments

        try:
            case = reassessments.invite_case(pk)
        except tenancy.NotFound:
            return errors(404, [{"veld": None, "melding": "Zaak niet gevonden."}])
        except reassessments.InviteRefused as exc:
            return errors(exc.status, [{"veld": None, "melding": exc.message}])
        return self.response(200, zaak_id=case.id, status=case.status.name)

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    @rison()
    def export(self, **kwargs: Any) -> Response:
        """Export the filtered case list as CSV or XLSX.
        ---
        get:
          summary: Export the filtered case list (format=csv|xlsx, q=rison filters)
          responses:
            200:
              description: The file
        """
        fmt = request.args.get("format", "csv")
        if fmt not in export.FORMATS:
            return errors(
                400, [{"veld": "format", "melding": "Onbekend formaat: kies csv of xlsx."}]
            )
        try:
            joined = self._handle_filters_args(kwargs.get("rison", {}))
        except Exception:  # noqa: BLE001 - FAB raises several filter exceptions
            return errors(400, [{"veld": "q", "melding": "Ongeldig filter in q."}])
        query = self.datamodel.apply_all(self.datamodel.session.query(Case), joined, "id", "asc")
        filters = kwargs.get("rison", {}).get("filters", [])
        described = ",".join(sorted({str(f.get("col")) for f in filters})) or "-"
        stream, mimetype, filename = export.export_cases(query, fmt, described, channel="api")
        return Response(
            stream_with_context(stream),
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _validate_reminder_days(value: Any) -> None:
    error = municipalities.reminder_days_error(value)
    if error:
        raise ValidationError(error)


def _setting_validators() -> dict[str, Any]:
    bounds = {
        name: validate.Range(low, high, error=municipalities.bound_message(name))
        for name, (low, high) in municipalities.SETTING_BOUNDS.items()
    }
    colour = validate.Regexp(municipalities.COLOUR, error=municipalities.COLOUR_MESSAGE)
    return {**bounds, "primary_color": colour, "reminder_days": _validate_reminder_days}


class MunicipalityApi(ModelRestApi):
    """Municipalities and their settings; Beheerders change their own, the Admin creates."""

    resource_name = "municipality"
    datamodel = SQLAInterface(Municipality)
    include_route_methods = {"get", "get_list", "info", "put", "post"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "cbs_code",
        "name",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
    ]
    edit_columns = [*municipalities.SETTING_FIELDS, *municipalities.HOUSE_STYLE_FIELDS]
    add_columns = [
        "cbs_code",
        "name",
        "organisation",
        *municipalities.SETTING_FIELDS,
        *municipalities.HOUSE_STYLE_FIELDS,
    ]
    validators_columns = _setting_validators()
    search_columns = ["cbs_code", "name", "check_mode"]

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # Settings have sensible defaults on the model, so a new municipality needs
        # only its CBS code, name and organisation.
        for name in (*municipalities.SETTING_FIELDS, *municipalities.HOUSE_STYLE_FIELDS):
            if name in self.add_model_schema.fields:
                self.add_model_schema.fields[name].required = False

    def post_add(self, item: Municipality) -> None:
        municipalities.created(item)

    def post_update(self, item: Municipality) -> None:
        audit.object_changed("municipality", item.id, "update")


class MemoSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    text = fields.String()
    created_on = fields.DateTime()
    created_by = fields.Function(lambda m: m.created_by.username if m.created_by else None)


class MemoApi(ModelRestApi):
    """Memos on cases: read, and add through the case service."""

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
          responses:
            201:
              description: The memo
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
            memo = cases.add_memo(
                case_id, body.get("text") if isinstance(body.get("text"), str) else ""
            )
        except tenancy.NotFound:
            return errors(404, [{"veld": "case_id", "melding": "Zaak niet gevonden."}])
        except cases.ValidationError as exc:
            return errors(422, [{"veld": "text", "melding": e["melding"]} for e in exc.errors])
        return self.response(201, id=memo.id, result=MemoSchema().dump(memo))


class MessageSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    event = fields.Function(lambda m: m.event.name)
    channel = fields.Function(lambda m: m.channel.name)
    recipient = fields.String()
    subject = fields.String()
    status = fields.Function(lambda m: m.status.name)
    attempts = fields.Integer()
    created_on = fields.DateTime()
    sent_on = fields.DateTime(allow_none=True)
    printed_on = fields.DateTime(allow_none=True)


class MessageApi(ModelRestApi):
    """Every email and letter with event, channel, recipient, status and times (read)."""

    resource_name = "message"
    datamodel = SQLAInterface(Message)
    include_route_methods = {"get", "get_list", "info"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "case_id",
        "event",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "created_on",
        "sent_on",
        "printed_on",
    ]
    list_model_schema = MessageSchema()
    show_model_schema = MessageSchema()
    search_columns = ["case", "event", "channel", "status", "created_on"]


class AuditApi(ModelRestApi):
    """The audit log of the own organisation (read, Beheerder)."""

    resource_name = "audit"
    datamodel = SQLAInterface(AuditLog)
    include_route_methods = {"get", "get_list", "info"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "created_on",
        "user_id",
        "username",
        "action",
        "object_type",
        "object_id",
        "result",
        "detail",
    ]
    search_columns = ["created_on", "username", "action", "object_type", "object_id", "result"]
    base_order = ("id", "desc")


class NationalNormSchema(Schema):
    id = fields.Integer()
    valid_from = fields.Date()
    household_type = fields.Function(lambda n: n.household_type.name)
    amount = fields.Function(lambda n: f"{n.amount:.2f}")
    verified = fields.Boolean()
    source = fields.String(allow_none=True)


class NationalNormApi(ModelRestApi):
    """National norms (read: all; change: platform Admin)."""

    resource_name = "national_norm"
    datamodel = SQLAInterface(NationalNorm)
    include_route_methods = {"get", "get_list", "info", "post", "put", "delete"}
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


class AssetLimitSchema(Schema):
    id = fields.Integer()
    valid_from = fields.Date()
    household_type = fields.Function(lambda n: n.household_type.name)
    amount = fields.Function(lambda n: f"{n.amount:.2f}")
    municipality = fields.Function(lambda n: n.municipality.cbs_code if n.municipality else None)
    verified = fields.Boolean()
    source = fields.String(allow_none=True)


class AssetLimitApi(ModelRestApi):
    """Asset limits: national rows (Admin) and municipal overrides (Beheerder)."""

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
        """Run a norms service call and answer its errors in the contract's shape."""
        from ..services import norms

        try:
            limit = action()
        except tenancy.NotFound:
            return errors(404, [{"veld": None, "melding": "Vermogensgrens niet gevonden."}])
        except norms.Forbidden as exc:
            return errors(403, [{"veld": "municipality", "melding": str(exc)}])
        except cases.ValidationError as exc:
            return errors(422, exc.errors)
        if limit is None:
            return self.response(ok_status, message="OK")
        return self.response(ok_status, id=limit.id, result=AssetLimitSchema().dump(limit))

    def _save(self, pk: int | None) -> Response:
        from ..services import norms

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
          responses:
            200:
              description: Deleted
        """
        from ..services import norms

        return self._call(lambda: norms.delete_asset_limit(pk))
