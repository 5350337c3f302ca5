"""POST /api/v1/ockto/levering: data deliveries from Ockto (signed, contracts/ockto-delivery.md)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_appbuilder.api import BaseApi, expose

from .. import priority
from ..services.ockto import deliveries
from .common import ContractErrors


class OcktoApi(ContractErrors, BaseApi):
    """The delivery endpoint; authenticated by its HMAC signature, not by a user."""

    resource_name = "ockto"
    openapi_spec_tag = "Ockto"

    @expose("/levering", methods=["POST"])
    def levering(self) -> Response:
        """Receive one delivery of income, asset and debt data for an invitation.
        ---
        post:
          summary: Receive an Ockto delivery (signed with X-Signature)
          responses:
            201:
              description: Stored; {"zaak_id", "status", "compleet"}
            200:
              description: The same levering_id again; the first answer, nothing stored
            400:
              description: Not JSON
            401:
              description: Signature missing, wrong or stale
            422:
              description: Invalid (every problem with its field path) or unknown invitation
            503:
              description: The Ockto secret is not configured
        """
        status, body = priority.machines_work(
            current_app._get_current_object(),
            deliveries.receive,
            request.get_data(),
            request.headers.get("X-Signature"),
        )
        response = jsonify(body)
        response.status_code = status
        return response
