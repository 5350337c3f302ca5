"""FAB's user, extended with the organisation the user belongs to."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .organisation import Organisation
from .types import TZDateTime


class OrgUser(FabUser):
    """A user; Beheerders and Medewerkers have an organisation, the platform Admin none.

    Not named `User`: FAB's own models refer to "User" by name, which must stay unique.
    """

    __tablename__ = "ab_user"

    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True, index=True
    )
    organisation: Mapped[Organisation | None] = relationship()
    # The official's function, named under the beschikkingen they decide ("Functie").
    job_title: Mapped[str | None] = mapped_column(String(100))
    # Two-factor login (TOTP): the base32 secret, set at enrolment, active once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Signals: a daily email saying how many are unread (a link only, no personal data).
    signal_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    signal_digest_sent_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    def __str__(self) -> str:
        return self.username


User = OrgUser
