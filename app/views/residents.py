"""Inwoners: read-only, every look-up audit-logged."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _

from ..formatting import date_nl
from ..models import Resident
from ..services.security import audit
from .base import READ_ONLY, TenantModelView


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

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk: int):
        """Show one resident, audited."""
        response = super().show(pk)
        audit.resident_viewed(pk)
        return response
