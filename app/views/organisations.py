"""Organisaties (platform Admin): create an organisation, add its municipalities and first users."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from ..formatting import datetime_nl, label_of
from ..models import Organisation, OrganisationKind
from ..services.onboarding import checklist, organisations
from .base import AuditedChangesMixin, TenantModelView


class OrganisationNameValidator:
    """Refuse an empty or already used organisation name, in Dutch."""

    def __call__(self, form: Any, field: Any) -> None:
        from flask import request

        pk = (request.view_args or {}).get("pk")
        problem = organisations.name_problem(field.data, int(pk) if pk else None)
        if problem:
            raise ValidationError(problem)


class OrganisationModelView(AuditedChangesMixin, TenantModelView):
    """Organisations with their municipalities and users; the platform Admin creates them."""

    noun = "Organisatie"
    audit_name = "organisation"
    datamodel = SQLAInterface(Organisation)
    route_base = "/organisaties"
    list_title = show_title = edit_title = _("Organisaties")
    add_title = _("Organisatie toevoegen")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_columns = ["name", "kind", "municipalities", "created_on"]
    show_columns = ["name", "kind", "municipalities", "retention_years", "created_on"]
    add_columns = edit_columns = ["name", "kind"]
    search_columns = ["name", "kind"]
    label_columns = {
        "name": _("Naam"),
        "kind": _("Soort"),
        "municipalities": _("Gemeenten"),
        "retention_years": _("Bewaartermijn (jaren)"),
        "created_on": _("Aangemaakt op"),
    }
    description_columns = {
        "name": _("Bijvoorbeeld 'Gemeente Dalfsen' of 'ISD Bollenstreek'."),
        "kind": _(
            "Een gemeente met een eigen organisatie bedient één gemeente; een ISD of "
            "samenwerkingsverband bedient er meer. Medewerkers zien alleen de gemeenten van "
            "hun eigen organisatie."
        ),
    }
    formatters_columns = {
        "kind": label_of(OrganisationKind),
        "created_on": datetime_nl,
        "municipalities": lambda ms: ", ".join(f"{m.name} ({m.cbs_code})" for m in ms or []),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "name": StringField(
            _("Naam"),
            description=description_columns["name"],
            validators=[OrganisationNameValidator()],
        )
    }
    show_template = "organisation/show.html"

    def post_add(self, item: Organisation) -> None:
        super().post_add(item)
        g.added_organisation = item.id

    def post_add_redirect(self) -> Any:
        """A new organisation opens on its own page: the next step is its municipality."""
        added = g.pop("added_organisation", None)
        if added is not None:
            return redirect(url_for(".show", pk=added))
        return super().post_add_redirect()

    def render_template(self, template: str, **kwargs: Any) -> str:
        pk = kwargs.get("pk")
        if template == self.show_template and pk is not None:
            organisation = self.datamodel.get(pk, self._base_filters)
            if organisation is not None:
                from ..models import User

                kwargs["setup"] = {m.id: checklist.items(m) for m in organisation.municipalities}
                kwargs["members"] = (
                    self.datamodel.session.query(User)
                    .filter(User.organisation_id == organisation.id)
                    .order_by(User.username)
                    .all()
                )
                kwargs["organisation"] = organisation
        return super().render_template(template, **kwargs)
