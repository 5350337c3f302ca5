"""/api/v1/message/: every email and letter, read-only."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields

from ..models import Message
from ..web.tenancy import TENANT
from .common import RestApi


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


class MessageApi(RestApi):
    """Every email and letter with event, channel, recipient, status and times (read)."""

    noun = ("Bericht", "Berichten")
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
