"""FAB security manager: organisation-aware users, tenancy on user management, audited logins."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    ViewMenuModelView,
)
from flask_babel import lazy_gettext as _
from sqlalchemy import inspect
from sqlalchemy.orm import joinedload
from wtforms.validators import DataRequired

from . import permission_labels
from .api.security import SecurityApi, answer_token_errors_in_dutch
from .labels import FIELD_LABELS
from .models import User
from .roles import current_user
from .services import tenancy
from .services.onboarding import accounts
from .services.security import audit, login_guard, two_factor
from .views.base import (
    AuditedChangesMixin,
    ReadableValuesMixin,
    ReturnToRecordMixin,
    TenantGuardMixin,
)
from .views.login import LoginView
from .web.tenancy import TenantFilter, guard_related_queries

log = logging.getLogger(__name__)


class OrgUserDBModelView(
    ReturnToRecordMixin,
    ReadableValuesMixin,
    AuditedChangesMixin,
    TenantGuardMixin,
    UserDBModelView,
):
    """User management: a Beheerder manages the users of their own organisation only."""

    audit_name = "user"
    # Gives the action the permission `can_reset_two_factor` that app/roles.py grants.
    method_permission_name = {"reset_two_factor": "reset_two_factor", "send_link": "send_link"}

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
        "job_title",
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
        "job_title",
        "username",
        "active",
        "email",
        "organisation",
        "roles",
    ]
    # No password on the add form: the new user chooses one through an emailed link.
    add_form_extra_fields: dict[str, Any] = {}
    edit_columns = [
        "first_name",
        "last_name",
        "job_title",
        "username",
        "active",
        "email",
        "organisation",
        "roles",
    ]
    search_columns = ["first_name", "last_name", "username", "email", "organisation", "active"]
    # Extend FAB's translated labels; replacing them would show English column names.
    label_columns = {
        **UserDBModelView.label_columns,
        "organisation": _("Organisatie"),
        "job_title": _("Functie"),
    }
    # FAB's own texts spoke of LDAP and OpenID, which this product does not offer.
    description_columns = {
        "job_title": _(
            "Staat onder de beschikkingen die deze gebruiker neemt, bijvoorbeeld "
            "'consulent inkomensondersteuning'."
        ),
        "username": _("Waarmee de gebruiker inlogt, bijvoorbeeld 'j.jansen'."),
        "email": _("Hierheen gaat de eenmalige link om een wachtwoord te kiezen."),
        "active": _(
            "Vertrekt iemand, zet dan Actief uit in plaats van de gebruiker te "
            "verwijderen: wat hij of zij deed, blijft herleidbaar."
        ),
        "roles": _(
            "Medewerker: zaken behandelen. Beheerder: ook instellingen, gebruikers, "
            "imports en het auditlog."
        ),
    }
    # Groups are platform-wide in FAB, so they stay out of organisation user management.
    validators_columns = {"roles": [DataRequired(message=_("Kies ten minste één rol."))]}

    def __init__(self, **kwargs: Any) -> None:
        self.base_filters = [["id", TenantFilter, lambda: None]]
        guard_related_queries(self)
        super().__init__(**kwargs)

    @action(
        "reset_two_factor",
        "Tweestapsverificatie resetten",
        "De gekozen gebruikers richten bij hun volgende login tweestapsverificatie opnieuw in. "
        "Doorgaan?",
        "fa-mobile",
        multiple=True,
    )
    def reset_two_factor(self, items: Any) -> Any:
        """Remove the second factor of users of the own organisation (a lost phone)."""
        items = self._own_users(items)
        two_factor.reset_for(items, current_user())
        flash(f"Tweestapsverificatie gereset voor {len(items)} gebruiker(s).", "success")
        return redirect(self.get_redirect())

    @action(
        "send_link",
        "Activatielink versturen",
        "De gekozen gebruikers krijgen een e-mail met een nieuwe eenmalige link (72 uur geldig) "
        "om een wachtwoord te kiezen; oudere links vervallen. Doorgaan?",
        "fa-envelope",
        multiple=True,
    )
    def send_link(self, items: Any) -> Any:
        """Email users of the own organisation a fresh one-time link to choose a password."""
        items = self._own_users(items)
        accounts.send_links(items, current_user())
        flash(f"Activatielink verstuurd naar {len(items)} gebruiker(s).", "success")
        return redirect(self.get_redirect())

    @staticmethod
    def _own_users(items: Any) -> list[User]:
        """The selected users, all of the own organisation (else 404 before any changes)."""
        items = items if isinstance(items, list) else [items]
        if not all(tenancy.user_in_scope(current_user(), item) for item in items):
            abort(404)
        return items

    def _enforce_org(self, item: User) -> None:
        from .services.onboarding import users

        users.enforce_assignment(current_user(), item)

    def pre_add(self, item: User) -> None:
        self._enforce_org(item)
        # Nobody types another person's password: the account opens through its link.
        item.password = accounts.unusable_password()

    def post_add(self, item: User) -> None:
        super().post_add(item)
        accounts.send_link(item, current_user())
        flash(
            f"Er gaat een e-mail naar {item.email} met een eenmalige link (72 uur geldig) om "
            "een wachtwoord te kiezen.",
            "info",
        )
        if not current_app.config.get("SMTP_HOST"):
            flash(
                "Er is nog geen mailserver ingesteld (SMTP_HOST): de e-mail gaat pas weg als die "
                f"er is. Tot dan maakt de serverbeheerder een link met `flask account link "
                f"{item.username}`.",
                "warning",
            )

    def pre_update(self, item: User) -> None:
        self._enforce_org(item)
        super().pre_update(item)


class SendLinkForm(DynamicForm):
    """No password fields: a user's password is chosen by that user alone."""


class OrgResetPasswordView(ResetPasswordView):
    """FAB's reset-password form sends the user a fresh one-time link; nobody types theirs."""

    form = SendLinkForm
    form_title = _("Nieuwe activatielink sturen")
    message = _("Er is een e-mail met een nieuwe eenmalige link verstuurd (72 uur geldig).")

    def _target(self) -> User:
        pk = request.args.get("pk")
        user = current_user()
        target = self.appbuilder.sm.get_user_by_id(pk) if pk else None
        if target is None or not tenancy.user_in_scope(user, target):
            abort(404)
        return target

    def form_get(self, form: Any) -> None:
        """Say whom the new link goes to, for a user of the own organisation only."""
        target = self._target()
        flash(
            f"Na Opslaan krijgt {target.username} op {target.email} een nieuwe eenmalige link "
            "om zelf een wachtwoord te kiezen; oudere links vervallen.",
            "info",
        )

    def form_post(self, form: Any) -> None:
        """Send the link (the user chooses the password), only within the own organisation."""
        accounts.send_link(self._target(), current_user())
        flash(str(self.message), "info")


class OrgRoleModelView(RoleModelView):
    """Roles with their permissions in Dutch words (app/templates/.../widgets/roles)."""

    formatters_columns = {"permissions": permission_labels.role_permissions_nl}


class OrgPermissionModelView(PermissionModelView):
    """FAB's permissions ("can_list") in Dutch words."""

    formatters_columns = {"name": permission_labels.permission_nl}


class OrgViewMenuModelView(ViewMenuModelView):
    """FAB's screens and menus by their Dutch names."""

    formatters_columns = {"name": permission_labels.view_nl}


class OrgPermissionViewModelView(PermissionViewModelView):
    """Permissions per screen in Dutch words."""

    formatters_columns = {
        "permission": lambda p: permission_labels.permission_nl(getattr(p, "name", None)),
        "view_menu": lambda v: permission_labels.view_nl(getattr(v, "name", None)),
    }


def label_security_views_in_dutch(views: list[Any]) -> None:
    """Give FAB's security screens Dutch labels where FAB made English ones from names."""
    for view in views:
        if not type(view).__module__.startswith(("flask_appbuilder.security", __name__)):
            continue
        labels = getattr(view, "label_columns", None) or {}
        english = [c for c, label in labels.items() if type(label) is str and c in FIELD_LABELS]
        if not english:
            continue
        labels.update({c: FIELD_LABELS[c] for c in english})
        # Forms are built with the labels of their moment: rebuild the generated ones.
        for attr in ("search_form", "add_form", "edit_form"):
            if hasattr(view, attr) and getattr(type(view), attr, None) is None:
                setattr(view, attr, None)
        view._init_forms()


class SecurityManager(FabSecurityManager):
    """FAB's security manager with our user model, tenancy on users and audited logins."""

    user_model = User
    authdbview = LoginView
    security_api = SecurityApi
    userdbmodelview = OrgUserDBModelView
    resetpasswordview = OrgResetPasswordView
    rolemodelview = OrgRoleModelView
    permissionmodelview = OrgPermissionModelView
    viewmenumodelview = OrgViewMenuModelView
    permissionviewmodelview = OrgPermissionViewModelView

    def create_jwt_manager(self, app: Any) -> Any:
        """FAB's JWT manager, answering token problems as the contract's 401."""
        jwt_manager = super().create_jwt_manager(app)
        answer_token_errors_in_dutch(jwt_manager)
        return jwt_manager

    def _create_db(self) -> None:
        # Tables come from Alembic only; here we just make sure the roles exist.
        engine = self.session.get_bind(mapper=None, clause=None)
        if "ab_role" not in inspect(engine).get_table_names():
            log.warning("Database not migrated yet: run `flask db upgrade`.")
            return
        super(FabSecurityManager, self).create_db()

    def register_views(self) -> None:
        """FAB's views in Dutch, with the API login rate-limited like the login form."""
        super().register_views()
        label_security_views_in_dutch(self.appbuilder.baseviews)
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    def get_user_by_id(self, pk: Any) -> Any:
        """The user with roles and groups in one query: every page's menu asks for them."""
        # FAB's get() then loaded roles and groups lazily, two more round trips per request.
        return self.session.get(
            self.user_model, pk, options=(joinedload(User.roles), joinedload(User.groups))
        )

    def auth_user_db(self, username: str, password: str) -> Any:
        """Check the throttle, then the password; audit and count the attempt either way."""
        address = request.remote_addr if request else None
        try:
            login_guard.check(username, address)
        except login_guard.Throttled:
            audit.login_throttled()
            raise
        user = super().auth_user_db(username, password)
        audit.login_attempt(user, success=user is not None)
        if user is None:
            login_guard.failed(username, address)
        return user
