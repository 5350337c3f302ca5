"""User management rules: Beheerders manage only their own organisation's users."""

from __future__ import annotations

from typing import Any

from ...models import User
from ...roles import ORG_ROLES, ROLE_ADMIN, is_platform_admin, role_names


class UserRuleError(ValueError):
    """A user may not be given this organisation or these roles."""


def enforce_assignment(actor: Any, target: User) -> None:
    """Pin a Beheerder's new or edited user to their own organisation and organisation roles."""
    names = role_names(target)
    if is_platform_admin(actor):
        needs_org = ROLE_ADMIN not in names and names & set(ORG_ROLES)
        if needs_org and target.organisation_id is None and target.organisation is None:
            raise UserRuleError("Een Beheerder of Medewerker hoort bij een organisatie.")
        return
    if names - set(ORG_ROLES):
        raise UserRuleError("Alleen de rollen Beheerder en Medewerker zijn toegestaan.")
    target.organisation_id = actor.organisation_id
    target.organisation = actor.organisation
