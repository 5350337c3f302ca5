"""Security: the organisation-aware user, roles Beheerder and Medewerker, login auditing."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, g, request
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import ResetPasswordView, UserDBModelView
from flask_babel import lazy_gettext as _
from sqlalchemy import inspect

from .models import User

log = logging.getLogger(__name__)

ROLE_ADMIN = "Admin"
ROLE_BEHEERDER = "Beheerder"
ROLE_MEDEWERKER = "Medewerker"
ORG_ROLES = (ROLE_BEHEERDER, ROLE_MEDEWERKER)


def _views(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


_READ = "^(can_list|can_show|can_get|can_info)$"

# Both organisation roles: read the case work, add memos, use the API, own profile.
_MEDEWERKER = [
    [_views("CaseModelView"), "^(can_list|can_show|can_export|can_search_bsn|can_add_memo)$"],
    [_views("CaseApi"), "^(can_get|can_info|can_export)$"],
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
    [_views("OrgUserDBModelView"), "^can_userinfo$"],
    [_views("UserInfoEditView", "ResetMyPasswordView"), "^can_this_form_(get|post)$"],
    [_views("OrgUserDBModelView"), "^can_resetmypassword$"],
    [_views("UserInfoEditView"), "^can_userinfoedit$"],
    [_views("SwaggerView"), "^can_show$"],
    [_views("OpenApi"), "^can_get$"],
    [
        "^(Zaken|Alle zaken|Zoeken op BSN|Memo's|Berichten|Inwoners"
        "|Beheer|Gemeenten|Sjablonen|Normen|Vermogensgrenzen)$",
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
    [_views("AuditLogModelView"), _READ],
    [_views("AuditApi"), "^(can_get|can_info)$"],
    [
        _views("OrgUserDBModelView"),
        "^(can_list|can_show|can_add|can_edit|can_delete|can_resetpasswords)$",
    ],
    [_views("OrgResetPasswordView"), "^can_this_form_(get|post)$"],
    ["^(Security|List Users|Auditlog)$", "^menu_access$"],
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


class OrgUserDBModelView(UserDBModelView):
    """User management: a Beheerder manages the users of their own organisation only."""

    list_columns = [
        "first_name",
        "last_name",
        "username",
        "email",
        "organisation",
        "roles",
        "active",
    ]
    show_columns = [
        "first_name",
        "last_name",
        "username",
        "email",
        "organisation",
        "roles",
        "active",
        "last_login",
        "login_count",
    ]
    add_columns = [
        "first_name",
        "last_name",
        "username",
        "active",
        "email",
        "organisation",
        "roles",
        "password",
        "conf_password",
    ]
    edit_columns = [
        "first_name",
        "last_name",
        "username",
        "active",
        "email",
        "organisation",
        "roles",
    ]
    search_columns = ["first_name", "last_name", "username", "email", "organisation", "active"]
    label_columns = {"organisation": _("Organisatie")}

    def __init__(self, **kwargs: Any) -> None:
        from .views.base import TenantFilter, guard_related_queries

        self.base_filters = [["id", TenantFilter, lambda: None]]
        guard_related_queries(self)
        super().__init__(**kwargs)

    def _check_item_in_scope(self, pk: Any) -> None:
        from .views.base import ensure_in_scope

        ensure_in_scope(self, pk)

    def action(self, name: str, pk: Any):
        """Run a show-page action, only on a user of the own organisation."""
        self._check_item_in_scope(pk)
        return super().action(name, pk)

    def action_post(self):
        """Run a list action, only on users of the own organisation."""
        for pk in request.form.getlist("rowid"):
            self._check_item_in_scope(pk)
        return super().action_post()

    def _enforce_org(self, item: User) -> None:
        from .services import users

        users.enforce_assignment(current_user(), item)

    def pre_add(self, item: User) -> None:
        self._enforce_org(item)
        super().pre_add(item)

    def pre_update(self, item: User) -> None:
        self._enforce_org(item)
        super().pre_update(item)

    def post_add(self, item: User) -> None:
        from .services import audit

        audit.object_changed("user", item.id, "create")

    def post_update(self, item: User) -> None:
        from .services import audit

        audit.object_changed("user", item.id, "update")

    def post_delete(self, item: User) -> None:
        from .services import audit

        audit.object_changed("user", item.id, "delete")


class OrgResetPasswordView(ResetPasswordView):
    """Reset another user's password, only within the own organisation."""

    def _check(self) -> None:
        from .services import tenancy

        pk = request.args.get("pk")
        user = current_user()
        target = self.appbuilder.sm.get_user_by_id(pk) if pk else None
        if target is None or not tenancy.user_in_scope(user, target):
            abort(404)

    def this_form_get(self):
        """Show the password form for a user of the own organisation."""
        self._check()
        return super().this_form_get()

    def this_form_post(self):
        """Set the password of a user of the own organisation."""
        self._check()
        return super().this_form_post()


class SecurityManager(FabSecurityManager):
    """FAB's security manager with our user model, tenancy on users and audited logins."""

    user_model = User
    userdbmodelview = OrgUserDBModelView
    resetpasswordview = OrgResetPasswordView

    def _create_db(self) -> None:
        # Tables come from Alembic only; here we just make sure the roles exist.
        engine = self.session.get_bind(mapper=None, clause=None)
        if "ab_role" not in inspect(engine).get_table_names():
            log.warning("Database not migrated yet: run `flask db upgrade`.")
            return
        super(FabSecurityManager, self).create_db()

    def auth_user_db(self, username: str, password: str) -> Any:
        """Authenticate and write the attempt, successful or not, to the audit log."""
        from .services import audit

        user = super().auth_user_db(username, password)
        audit.login_attempt(user, success=user is not None)
        return user
