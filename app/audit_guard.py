"""Complete audit: every request to a screen or API that holds personal data leaves an entry.

Views write their own, specific entries (case.view, export, ...). A request to a personal-data
view that wrote none (a refused attempt, an error, a route without its own entry) gets a
generic one here, so no path to personal data goes unlogged (BIO 12.4.1).
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, Response, g, request
from sqlalchemy.exc import DBAPIError

from .extensions import db
from .roles import current_user
from .services.security import audit
from .web import outages

# View (endpoint prefix) -> the kind of object its routes show or change.
PERSONAL_VIEWS: dict[str, str] = {
    "CaseModelView": "case",
    "CaseApi": "case",
    "ResidentModelView": "resident",
    "MemoModelView": "memo",
    "MemoApi": "memo",
    "MessageModelView": "message",
    "MessageApi": "message",
    "PrintBatchView": "message",
    "ImportModelView": "import",
    "ImportApi": "import",
    "AllowlistView": "allowlist",
    "RefusedRequestModelView": "refused_request",
    "IntakeApi": "case",
    "OcktoApi": "case",
    "AuditLogModelView": "audit",
    "AuditApi": "audit",
    "OrgUserDBModelView": "user",
    "OrgResetPasswordView": "user",
    "UserGroupModelView": "user",
    "UserStatsChartView": "user",
    "RetentionView": "retention_run",
    "resident": "invitation",
    "sandbox": "invitation",
    "OrganisationModelView": "organisation",
    "OrganisationApi": "organisation",
    "account": "user",
}

# Views that show no personal data, or the user's own account only (their events are
# audited by the services: logins, second factor, password).
NOT_PERSONAL_VIEWS: frozenset[str] = frozenset(
    {
        "AssetLimitApi",
        "AssetLimitModelView",
        "LocaleView",
        "LoginView",
        "MenuApi",
        "MunicipalityApi",
        "MunicipalityModelView",
        "NationalNormApi",
        "NationalNormModelView",
        "OpenApi",
        "OverviewIndexView",
        "OrgPermissionModelView",
        "OrgPermissionViewModelView",
        "PolicyView",
        "ResetMyPasswordView",
        "OrgRoleModelView",
        "SetupView",
        # The user's own signals: a kind, a case number and a time; no names or BSNs.
        "SignalApi",
        "SignalView",
        "short",
        "trial",
        "SecurityApi",
        "SwaggerView",
        "TemplateModelView",
        "TwoFactorView",
        "UserInfoEditView",
        "UtilView",
        "OrgViewMenuModelView",
        "appbuilder",
        "health",
        "static",
    }
)

# Callers without a user account: a partner's signed request, a resident's link. Their
# refusals are recorded elsewhere (refused requests, the application log) so that an
# unauthenticated caller cannot fill the audit log; what they change is audited.
WITHOUT_USER_VIEWS = frozenset({"IntakeApi", "OcktoApi", "resident", "sandbox", "account"})

# Route arguments that name the object; a resident's link token is a credential, never logged.
ID_ARGUMENTS = ("pk", "id", "document_id", "notice_id")


def view_of(endpoint: str | None) -> str:
    """The view (class or blueprint) part of an endpoint name."""
    return (endpoint or "").split(".", 1)[0]


def register_audit_guard(app: Flask) -> None:
    """Write the generic entry for personal-data requests that wrote no entry of their own."""

    @app.after_request
    def _audit_fallback(response: Response) -> Response:
        object_type = PERSONAL_VIEWS.get(view_of(request.endpoint))
        if object_type is None or g.get("audit_written") or request.method in ("HEAD", "OPTIONS"):
            return response
        if g.get("outage"):
            return response  # a Dutch 503 that showed nothing; the outage is in the log
        view = view_of(request.endpoint)
        if view in WITHOUT_USER_VIEWS and response.status_code >= 400:
            return response
        try:
            _write_entry(object_type, response.status_code)
        except DBAPIError as exc:
            outage = outages.message_for(exc)
            if outage is None:
                raise
            if response.status_code >= 400:
                return response  # nothing was shown; the outage itself is in the log
            return outages.response(outage)  # personal data never leaves without its entry
        return response


def _write_entry(object_type: str, status: int) -> None:
    """The generic audit entry of this request, in a unit of its own."""
    args = request.view_args or {}
    object_id = next((args[k] for k in ID_ARGUMENTS if k in args), None)
    user = current_user()
    # Read who it was before the rollback below expires the user object.
    who = SimpleNamespace(
        id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        organisation_id=getattr(user, "organisation_id", None),
    )
    if user is None or status in (401, 403, 404, 409, 422, 429):
        result = "refused"
    elif status >= 400:
        result = "error"
    else:
        result = "ok"
    # Whatever the view left uncommitted is discarded at teardown anyway; the entry
    # must not carry it along.
    db.session.rollback()
    audit.request_handled(
        request.endpoint or "", request.method, object_type, object_id, status, result, who
    )
