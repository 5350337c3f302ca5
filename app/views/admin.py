"""Screens for residents, templates, memos and messages."""

from __future__ import annotations

from typing import Any

from flask import Response, abort
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..formatting import date_nl, datetime_nl, label_of
from ..models import (
    Channel,
    Memo,
    Message,
    MessageStatus,
    Resident,
    Template,
    TemplateEvent,
)
from ..services import audit, messaging, templating
from .base import READ_ONLY, AuditedChangesMixin, TenantModelView


class ResidentModelView(TenantModelView):
    """Inwoners: read-only; every look-up is audit-logged."""

    noun = "Inwoner"
    datamodel = SQLAInterface(Resident)
    route_base = "/inwoners"
    list_title = show_title = _("Inwoners")
    base_permissions = READ_ONLY
    list_columns = ["full_name", "birth_date", "postcode", "city", "municipality"]
    show_columns = [
        "bsn",
        "initials",
        "first_names",
        "prefix",
        "surname",
        "birth_date",
        "email",
        "phone",
        "street",
        "house_number",
        "house_number_suffix",
        "postcode",
        "city",
        "municipality",
    ]
    search_columns = ["surname", "postcode", "city", "municipality"]
    order_columns = ["birth_date", "postcode", "city"]
    label_columns = {
        "full_name": _("Naam"),
        "bsn": _("BSN"),
        "initials": _("Voorletters"),
        "first_names": _("Voornamen"),
        "prefix": _("Tussenvoegsel"),
        "surname": _("Achternaam"),
        "birth_date": _("Geboortedatum"),
        "email": _("E-mail"),
        "phone": _("Telefoon"),
        "street": _("Straat"),
        "house_number": _("Huisnummer"),
        "house_number_suffix": _("Toevoeging"),
        "postcode": _("Postcode"),
        "city": _("Woonplaats"),
        "municipality": _("Gemeente"),
    }
    formatters_columns = {"birth_date": date_nl}

    def _get_list_widget(self, filters: Any, **kwargs: Any) -> dict[str, Any]:
        widgets = super()._get_list_widget(filters, **kwargs)
        audit.resident_list_viewed(widgets["list"].template_args.get("count", 0))
        return widgets

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: Any):
        """Show one resident, audited."""
        response = super().show(pk)
        audit.resident_viewed(int(pk))
        return response


class TemplateTextValidator:
    """Refuse a template text with unknown placeholders or a syntax error, naming the line."""

    def __call__(self, form: Any, field: Any) -> None:
        problems = templating.check(field.data or "")
        if problems:
            raise ValidationError("; ".join(str(p) for p in problems))


class TemplateModelView(AuditedChangesMixin, TenantModelView):
    """Sjablonen per gemeente en gebeurtenis, with the placeholders and a preview."""

    noun = "Sjabloon"
    audit_name = "template"
    datamodel = SQLAInterface(Template)
    route_base = "/sjablonen"
    list_title = show_title = edit_title = _("Sjablonen")
    edit_template = "template/edit.html"
    base_permissions = ["can_list", "can_show", "can_edit", "can_preview"]
    list_columns = ["municipality", "event", "email_subject", "changed_on"]
    show_columns = [
        "municipality",
        "event",
        "email_subject",
        "email_body",
        "letter_body",
        "changed_on",
    ]
    edit_columns = ["email_subject", "email_body", "letter_body"]
    search_columns = ["municipality", "event"]
    validators_columns = {"email_subject": [TemplateTextValidator()]}
    edit_form_extra_fields = {
        name: TextAreaField(
            label,
            validators=[DataRequired(), TemplateTextValidator()],
            widget=BS3TextAreaFieldWidget(),
            render_kw={"rows": 16, "style": "font-family: monospace"},
        )
        for name, label in (("email_body", _("Tekst e-mail")), ("letter_body", _("Tekst brief")))
    }
    label_columns = {
        "municipality": _("Gemeente"),
        "event": _("Gebeurtenis"),
        "email_subject": _("Onderwerp e-mail (ook kop van de brief)"),
        "email_body": _("Tekst e-mail"),
        "letter_body": _("Tekst brief"),
        "changed_on": _("Gewijzigd op"),
    }
    formatters_columns = {"event": label_of(TemplateEvent), "changed_on": datetime_nl}

    def render_template(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("placeholders", templating.PLACEHOLDERS)
        return super().render_template(template, **kwargs)

    def _template(self, pk: Any) -> Template:
        template = self.datamodel.get(pk, self._base_filters)
        if template is None:
            abort(404)
        return template

    @expose("/preview/<pk>")
    @has_access
    def preview(self, pk: Any):
        """Show the saved template rendered against a made-up case."""
        template = self._template(pk)
        try:
            rendered, error = messaging.preview(template), None
        except Exception as exc:  # noqa: BLE001 - a beheerder's text can fail in many ways
            rendered, error = None, f"Het sjabloon kan niet worden gemaakt: {exc}"
        return self.render_template(
            "template/preview.html",
            item=template,
            rendered=rendered,
            error=error,
            title="Voorbeeld",
        )

    @expose("/preview/<pk>/pdf")
    @has_access
    @permission_name("preview")
    def preview_pdf(self, pk: Any):
        """The letter of the saved template as PDF, for a made-up case."""
        rendered = messaging.preview(self._template(pk))
        return Response(rendered.pdf, mimetype="application/pdf")


class MemoModelView(TenantModelView):
    """Memo's over alle zaken; toevoegen gaat via de zaak."""

    noun = "Memo"
    datamodel = SQLAInterface(Memo)
    route_base = "/memos"
    list_title = show_title = _("Memo's")
    base_permissions = READ_ONLY
    list_columns = ["case", "text", "created_by", "created_on"]
    show_columns = ["case", "text", "created_by", "created_on"]
    search_columns = ["text", "created_on"]
    base_order = ("created_on", "desc")
    label_columns = {
        "case": _("Zaak"),
        "text": _("Tekst"),
        "created_by": _("Door"),
        "created_on": _("Datum"),
    }
    formatters_columns = {"created_on": datetime_nl}


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

    @expose("/pdf/<pk>")
    @has_access
    @permission_name("show")
    def pdf(self, pk: Any):
        """The stored PDF of a letter (or of an email's attachment), as it was sent."""
        message = self.datamodel.get(pk, self._base_filters)
        if message is None or not message.pdf:
            abort(404)
        audit.object_changed("message", message.id, "pdf_view")
        return Response(
            message.pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="bericht-{message.id}.pdf"'},
        )
