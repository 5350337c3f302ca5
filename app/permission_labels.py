"""Flask-AppBuilder's permissions in words: "can list on CaseModelView" reads "Lijst
bekijken – Alle zaken" on the role and permission screens of the platform Admin."""

from __future__ import annotations

from typing import Any

from flask import current_app

PERMISSIONS = {
    "can_list": "lijst bekijken",
    "can_show": "bekijken",
    "can_add": "toevoegen",
    "can_edit": "wijzigen",
    "can_delete": "verwijderen",
    "can_get": "opvragen (API)",
    "can_info": "keuzelijsten opvragen (API)",
    "can_post": "toevoegen (API)",
    "can_put": "wijzigen (API)",
    "can_export": "exporteren",
    "can_index": "openen",
    "can_this_form_get": "formulier openen",
    "can_this_form_post": "formulier versturen",
    "can_userinfo": "eigen gegevens bekijken",
    "can_userinfoedit": "eigen gegevens wijzigen",
    "can_resetmypassword": "eigen wachtwoord wijzigen",
    "can_resetpasswords": "activatielink sturen",
    "can_chart": "grafiek bekijken",
    "menu_access": "in het menu",
    "can_act": "acties uitvoeren",
    "can_decide": "besluiten",
    "can_invite": "uitnodigen",
    "can_restore": "herstellen",
}
# Views without a menu entry of their own, by their class name.
VIEWS = {
    "CaseApi": "Zaken (API)",
    "MunicipalityApi": "Gemeenten (API)",
    "OrganisationApi": "Organisaties (API)",
    "MemoApi": "Memo's (API)",
    "MessageApi": "Berichten (API)",
    "AuditApi": "Auditlog (API)",
    "NationalNormApi": "Normen (API)",
    "AssetLimitApi": "Vermogensgrenzen (API)",
    "ImportApi": "Imports (API)",
    "IntakeApi": "Aanvragen (API)",
    "OcktoApi": "Ockto-leveringen (API)",
    "OpenApi": "API-beschrijving",
    "SwaggerView": "API-beschrijving (Swagger)",
    "SecurityApi": "Inloggen (API)",
    "OrgUserDBModelView": "Gebruikers",
    "OrgResetPasswordView": "Activatielink sturen",
    "ResetMyPasswordView": "Eigen wachtwoord",
    "UserInfoEditView": "Eigen gegevens",
    "RoleModelView": "Rollen",
    "UserStatsChartView": "Gebruikersstatistieken",
    "PermissionModelView": "Rechten",
    "ViewMenuModelView": "Schermen en menu's",
    "PermissionViewModelView": "Rechten per scherm",
    "UserGroupModelView": "Groepen",
    "TwoFactorView": "Tweestapsverificatie",
    "LocaleView": "Taal",
    "UtilView": "Hulpfuncties",
}


def permission_nl(name: str | None) -> str:
    """can_list -> lijst bekijken; an unknown can_x_y -> x y."""
    if not name:
        return ""
    return PERMISSIONS.get(name, name.removeprefix("can_").replace("_", " "))


def view_nl(name: str | None) -> str:
    """A view's class name (or a menu name) as its Dutch screen name."""
    if not name:
        return ""
    if name in VIEWS:
        return VIEWS[name]
    for item in _menu_items(current_app.appbuilder.menu.get_list()):
        if item.baseview is not None and type(item.baseview).__name__ == name:
            return str(item.label or item.name)
    return name


def _menu_items(items: list[Any]) -> list[Any]:
    found = []
    for item in items:
        found.append(item)
        found += _menu_items(item.childs or [])
    return found


def permission_view_nl(pv: Any) -> str:
    """One PermissionView as "Lijst bekijken – Alle zaken"."""
    what = permission_nl(getattr(getattr(pv, "permission", None), "name", None))
    where = view_nl(getattr(getattr(pv, "view_menu", None), "name", None))
    return f"{what[:1].upper()}{what[1:]} – {where}"


def _alternatives(pattern: str) -> list[str]:
    """The names in a role pattern "^(A|B)$" (FAB_ROLES, app/roles.py)."""
    return [p for p in pattern.strip("^$").strip("()").split("|") if p]


def role_permissions_nl(value: Any) -> str:
    """A role's permissions in words: a line per screen, whether stored or by pattern."""
    items = list(value or [])
    if items and isinstance(items[0], list | tuple):
        lines = []
        for views, permissions in (pair for pairs in items for pair in _pairs(pairs)):
            what = ", ".join(permission_nl(p) for p in _alternatives(permissions))
            for view in _alternatives(views):
                lines.append(f"{view_nl(view)}: {what}")
        return "\n".join(sorted(lines, key=str.lower))
    return "\n".join(sorted((permission_view_nl(pv) for pv in items), key=str.lower))


def _pairs(item: Any) -> list[tuple[str, str]]:
    # FAB hands a builtin role's config as [[view, permission], ...] (or nested once more).
    if len(item) == 2 and all(isinstance(part, str) for part in item):
        return [(item[0], item[1])]
    return [(pair[0], pair[1]) for pair in item if len(pair) == 2]
