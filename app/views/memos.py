"""Memo's over all cases (a memo is added on its case)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..formatting import datetime_nl
from ..models import Memo
from .base import READ_ONLY, TenantModelView


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
