"""FAB's user, extended with the organisation the user belongs to."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .organisation import Organisation


class OrgUser(FabUser):
    """A user; Beheerders and Medewerkers have an organisation, the platform Admin none.

    Not named `User`: FAB's own models refer to "User" by name, which must stay unique.
    """

    __tablename__ = "ab_user"

    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True, index=True
    )
    organisation: Mapped[Organisation | None] = relationship()

    def __str__(self) -> str:
        return self.username


User = OrgUser
