"""List filters shared by the screens and the REST API."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from ..models import Case, User


class HandlerFilter(BaseFilter):
    """Cases of one handler, or of nobody: a user id (screens), a user name (REST `q`).

    None, "" or "null" is nobody ("Niet toegewezen"); "Mijn zaken" passes the own id.
    """

    name = "Behandelaar"
    arg_name = "behandelaar"

    def apply(self, query: Any, value: Any) -> Any:
        if value in (None, "", "null"):
            return query.filter(Case.handler_id.is_(None))
        if isinstance(value, int) and not isinstance(value, bool):
            return query.filter(Case.handler_id == value)
        return query.filter(Case.handler_id.in_(select(User.id).where(User.username == str(value))))
