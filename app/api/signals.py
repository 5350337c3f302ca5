"""/api/v1/signal/: the caller's own signals, and marking one read."""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from ..services.messaging import signals
from .common import ContractErrors, answer

NOT_FOUND = "Signaal niet gevonden."


def _json(signal: signals.Signal) -> dict:
    return {
        "id": signal.id,
        "soort": signal.kind.name,
        "zaak_id": signal.case_id,
        "aangemaakt_op": signal.created_on.isoformat(),
        "gelezen": signal.read_on is not None,
    }


class SignalApi(ContractErrors, BaseApi):
    """A user's own signals: never another user's, through any path."""

    resource_name = "signal"
    openapi_spec_tag = "Signalen"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self) -> Response:
        """The caller's own signals, newest first.
        ---
        get:
          summary: Own signals (id, soort, zaak_id, aangemaakt_op, gelezen)
          responses:
            200:
              description: result, the signals; count, how many are unread
        """
        found = signals.for_user()
        return self.response(200, result=[_json(s) for s in found],
                             count=signals.unread_count())  # fmt: skip

    @expose("/<int:pk>/read", methods=["POST"])
    @protect()
    @safe
    @permission_name("read")
    def read(self, pk: int) -> Response:
        """Mark one of the caller's own signals read.
        ---
        post:
          summary: Mark read (another user's signal answers 404)
          parameters:
          - pk
          responses:
            200:
              description: The signal, read
            404:
              description: No such signal of this user
        """
        return answer(
            lambda: signals.mark_read(pk), lambda s: self.response(200, **_json(s)), NOT_FOUND
        )
