"""POST /api/v1/intake/aanvraag: applications from the national application site (signed)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_appbuilder.api import BaseApi, expose

from .. import priority
from ..services.intake import applications
from .common import ContractErrors


class IntakeApi(ContractErrors, BaseApi):
    """The intake endpoint; authenticated by its HMAC signature, not by a user."""

    resource_name = "intake"
    openapi_spec_tag = "Intake"

    @expose("/aanvraag", methods=["POST"])
    def aanvraag(self) -> Response:
        """Receive one application and apply the municipality's policy.
        ---
        post:
          summary: Receive an application (signed with X-Signature)
          responses:
            201:
              description: Stored; {"zaak_id", "status", "besluit"}
            200:
              description: A retry; the first answer again
            400:
              description: Not JSON
            401:
              description: Signature missing, wrong or stale
            409:
              description: Same application number, different body
            422:
              description: Invalid; every problem with its field path
            503:
              description: The intake secret is not configured
        """
        status, body = priority.machines_work(
            current_app._get_current_object(),
            applications.receive,
            request.get_data(),
            request.headers.get("X-Signature"),
        )
        response = jsonify(body)
        response.status_code = status
        return response
