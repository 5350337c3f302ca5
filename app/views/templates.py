"""Sjablonen: the texts of every email and letter per municipality, checked on save."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..formatting import datetime_nl, label_of
from ..models import Template, TemplateEvent
from ..roles import current_user
from ..services.messaging import outbox, templating
from ..services.onboarding import checklist
from ..web.downloads import pdf
from .base import AuditedChangesMixin, TenantModelView


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

    def _template(self, pk: int) -> Template:
        template = self.datamodel.get(pk, self._base_filters)
        if template is None:
            abort(404)
        return template

    def _texts(self) -> dict[str, str] | None:
        """The unsaved texts posted from the edit form, or None for the saved ones."""
        if request.method != "POST":
            return None
        return {
            name: request.form[name]
            for name in ("email_subject", "email_body", "letter_body")
            if name in request.form
        }

    @expose("/preview/<int:pk>", methods=["GET", "POST"])
    @has_access
    def preview(self, pk: int):
        """The template as a (fictitious) resident receives it; POST: the unsaved text."""
        template = self._template(pk)
        texts = self._texts()
        problems = [
            f"{self.label_columns.get(name, name)}: {problem}"
            for name, text in (texts or {}).items()
            for problem in templating.check(text)
        ]
        rendered, error = None, "; ".join(problems) or None
        if not problems:
            try:
                rendered = outbox.preview(template, texts=texts)
            except Exception as exc:  # noqa: BLE001 - a beheerder's text can fail in many ways
                error = f"Het sjabloon kan niet worden gemaakt: {exc}"
        if rendered is not None and self.appbuilder.sm.has_access(
            "can_edit", self.class_permission_name
        ):
            checklist.template_seen(template, current_user())
        return self.render_template(
            "template/preview.html",
            item=template,
            rendered=rendered,
            error=error,
            texts=texts,
            title=f"Voorbeeld: {template.event.label}",
        )

    @expose("/preview/<int:pk>/pdf", methods=["GET", "POST"])
    @has_access
    @permission_name("preview")
    def preview_pdf(self, pk: int):
        """The letter as PDF for a fictitious resident (POST: the unsaved text)."""
        rendered = outbox.preview(self._template(pk), texts=self._texts())
        return pdf(rendered.pdf, "voorbeeld.pdf")
