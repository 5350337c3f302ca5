"""Roles and the current user: Admin (platform), Beheerder and Medewerker per organisation."""

from __future__ import annotations

from typing import Any

from flask import g

ROLE_ADMIN = "Admin"
ROLE_BEHEERDER = "Beheerder"
ROLE_MEDEWERKER = "Medewerker"
ORG_ROLES = (ROLE_BEHEERDER, ROLE_MEDEWERKER)


def _views(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


_READ = "^(can_list|can_show|can_get|can_info)$"

# Both organisation roles: read the case work, add memos, use the API, own profile.
_MEDEWERKER = [
    # FAB stores a pattern it cannot resolve as a permission name of at most 100
    # characters (PostgreSQL refuses longer ones), so long lists are split.
    [_views("CaseModelView"), "^(can_list|can_show|can_export|can_search_bsn|can_add_memo)$"],
    [_views("CaseModelView"), "^(can_act|can_add_document|can_document|can_decide)$"],
    [_views("CaseApi"), "^(can_get|can_info|can_export|can_hold|can_release|can_abort)$"],
    [_views("CaseApi"), "^(can_request_info|can_add_documents|can_decide|can_resolve_notice)$"],
    [_views("CaseApi"), "^(can_assign|can_approve|can_send_back)$"],
    [_views("CaseModelView"), "^(can_assign|can_approve)$"],
    [_views("SignalApi"), "^(can_get|can_read)$"],
    [_views("SignalView"), "^can_(index|open|digest)$"],
    [_views("MemoModelView"), _READ],
    [_views("MemoApi"), "^(can_get|can_info|can_post)$"],
    [
        _views(
            "ResidentModelView",
            "MunicipalityModelView",
            "TemplateModelView",
            "MessageModelView",
            "NationalNormModelView",
            "AssetLimitModelView",
        ),
        _READ,
    ],
    [
        _views("MessageApi", "MunicipalityApi", "NationalNormApi", "AssetLimitApi"),
        "^(can_get|can_info)$",
    ],
    [_views("TemplateModelView"), "^can_preview$"],
    [_views("OrgUserDBModelView"), "^can_userinfo$"],
    [_views("UserInfoEditView", "ResetMyPasswordView"), "^can_this_form_(get|post)$"],
    [_views("OrgUserDBModelView"), "^can_resetmypassword$"],
    [_views("UserInfoEditView"), "^can_userinfoedit$"],
    [_views("SwaggerView"), "^can_show$"],
    [_views("OpenApi"), "^can_get$"],
    [_views("TwoFactorView"), "^can_(index|setup|switch_off)$"],
    [
        "^(Zaken|Alle zaken|Mijn zaken|Niet toegewezen|Ter goedkeuring|Signalen|Zoeken op BSN"
        "|Memo's|Berichten|Inwoners"
        "|Beheer|Gemeenten|Sjablonen|Normen|Vermogensgrenzen|Mijn account|Tweestapsverificatie)$",
        "^menu_access$",
    ],
]

# Beheerder: everything above plus the organisation's settings, users and audit log.
_BEHEERDER = [
    *_MEDEWERKER,
    [_views("MunicipalityModelView", "TemplateModelView"), "^can_edit$"],
    [_views("MunicipalityApi"), "^can_put$"],
    [_views("AssetLimitModelView"), "^(can_add|can_edit|can_delete)$"],
    [_views("AssetLimitApi"), "^(can_post|can_put|can_delete)$"],
    [_views("AuditLogModelView", "RefusedRequestModelView"), _READ],
    [_views("AuditApi"), "^(can_get|can_info)$"],
    [
        _views("OrgUserDBModelView"),
        "^(can_list|can_show|can_add|can_edit|can_delete|can_resetpasswords)$",
    ],
    [_views("OrgUserDBModelView"), "^can_reset_two_factor$"],
    [_views("OrgResetPasswordView"), "^can_this_form_(get|post)$"],
    [_views("PrintBatchView"), "^can_(index|pdf|printed)$"],
    [
        _views("ImportModelView"),
        "^can_(list|show|upload|confirm|refused|start)$",
    ],
    [_views("AllowlistView"), "^can_index$"],
    [_views("CaseModelView"), "^(can_start_reassessment|can_distribute|can_zgw_retry)$"],
    [_views("ImportApi"), "^can_post$"],
    [_views("CaseApi"), "^(can_invite|can_restore)$"],
    [_views("PolicyView"), "^can_(index|edit)$"],
    [_views("SetupView"), "^can_(index|edit)$"],
    [_views("OrgUserDBModelView"), "^can_send_link$"],
    [_views("OrganisationApi"), "^(can_get|can_info|can_users)$"],
    [_views("RetentionView"), "^can_(index|period|report|confirm)$"],
    [_views("MunicipalityApi"), "^can_(what_if|recompute)$"],
    [
        "^(Security|List Users|Auditlog|Printbatch|Imports|Bestandscheck|Geweigerde verzoeken"
        "|Inkomens- en vermogensparameters|Bewaartermijn|Inrichting)$",
        "^menu_access$",
    ],
]

FAB_ROLES: dict[str, list[list[str]]] = {
    ROLE_MEDEWERKER: _MEDEWERKER,
    ROLE_BEHEERDER: _BEHEERDER,
}


def current_user() -> Any:
    """The logged-in user of this request (session or JWT), or None."""
    from flask import current_app

    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # noqa: BLE001 - outside a request there is no user
        user = None
    if user is None:
        user = getattr(g, "user", None)
    if user is not None and not getattr(user, "is_authenticated", True):
        return None
    return user


def role_names(user: Any) -> set[str]:
    """The names of a user's roles."""
    return {r.name for r in getattr(user, "roles", []) or []}


def is_platform_admin(user: Any) -> bool:
    """The platform Admin belongs to no organisation and sees everything."""
    return user is not None and ROLE_ADMIN in role_names(user)
