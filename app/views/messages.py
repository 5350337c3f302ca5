"""Berichten: every email and letter, its status and its PDF."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _

from ..formatting import datetime_nl, label_of
from ..models import Channel, Message, MessageStatus, TemplateEvent
from ..services.security import audit
from ..web.downloads import pdf
from .base import READ_ONLY, TenantModelView


class MessageModelView(TenantModelView):
    """Berichten: every email and letter, with its status."""

    noun = "Bericht"
    datamodel = SQLAInterface(Message)
    route_base = "/berichten"
    list_title = show_title = _("Berichten")
    base_permissions = READ_ONLY
    list_columns = ["case", "event", "channel", "status", "attempts", "created_on", "sent_on"]
    show_columns = [
        "case",
        "municipality",
        "event",
        "channel",
        "recipient",
        "subject",
        "body_text",
        "status",
        "attempts",
        "last_error",
        "created_on",
        "sent_on",
        "printed_on",
    ]
    search_columns = ["municipality", "event", "channel", "status", "created_on"]
    base_order = ("created_on", "desc")
    label_columns = {
        "case": _("Zaak"),
        "municipality": _("Gemeente"),
        "event": _("Gebeurtenis"),
        "channel": _("Kanaal"),
        "recipient": _("Ontvanger"),
        "subject": _("Onderwerp"),
        "body_text": _("Tekst"),
        "status": _("Status"),
        "attempts": _("Pogingen"),
        "last_error": _("Laatste fout"),
        "created_on": _("Aangemaakt op"),
        "sent_on": _("Verzonden op"),
        "printed_on": _("Geprint op"),
    }
    show_template = "message/show.html"
    formatters_columns = {
        "event": label_of(TemplateEvent),
        "channel": label_of(Channel),
        "status": label_of(MessageStatus),
        "created_on": datetime_nl,
        "sent_on": datetime_nl,
        "printed_on": datetime_nl,
    }

    def render_template(self, template: str, **kwargs: Any) -> str:
        if template == self.show_template and kwargs.get("pk") is not None:
            # The PDF link only where a PDF exists (an email without attachment has none).
            message = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs["has_pdf"] = bool(message is not None and message.pdf)
        return super().render_template(template, **kwargs)

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("show")
    def pdf(self, pk: int):
        """The stored PDF of a letter (or of an email's attachment), as it was sent."""
        message = self.datamodel.get(pk, self._base_filters)
        if message is None or not message.pdf:
            abort(404)
        audit.object_changed("message", message.id, "pdf_view")
        return pdf(message.pdf, f"bericht-{message.id}.pdf")
