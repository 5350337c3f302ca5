"""The case (zaak) and everything that hangs on it: timeline, notices, memos, documents."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import (
    Advice,
    CaseKind,
    CaseStatus,
    ContactPreference,
    Decision,
    NoticeKind,
    PartnerSource,
)
from .organisation import Municipality
from .resident import Resident
from .types import TZDateTime, enum_column, utcnow
from .user import User

if TYPE_CHECKING:
    from .delivery import Delivery

case_child = Table(
    "case_child",
    Model.metadata,
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    Column("resident_id", ForeignKey("resident.id"), primary_key=True),
    # Finding a child's cases (BSN search, retention) starts from the resident.
    Index("ix_case_child_resident", "resident_id"),
)


class Case(Model):
    """One application or one reassessment of one household in one municipality."""

    __tablename__ = "case"
    # The lists a caseworker uses all day: per municipality (tenancy), by status, newest
    # first; the count and the page's ids (also of a deep page) come from the index alone.
    __table_args__ = (
        Index(
            "ix_case_status_municipality_created", "status", "municipality_id", "created_on", "id"
        ),
        Index("ix_case_municipality_created", "municipality_id", "created_on", "id"),
        # The overview: applications per week, and holds past their end date.
        Index("ix_case_municipality_kind_created", "municipality_id", "kind", "created_on"),
        Index("ix_case_status_hold_until", "status", "hold_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind), index=True)
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus), default=CaseStatus.NEW, index=True
    )
    # The status to return to after a hold is released or an abort is restored.
    previous_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_until: Mapped[dt.date | None] = mapped_column(Date)
    abort_reason: Mapped[str | None] = mapped_column(Text)

    # Unique across the platform: the application site's idempotency key.
    application_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    contract_number: Mapped[str | None] = mapped_column(String(64), index=True)
    submitted_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # SHA-256 of the intake body, to tell a retry from a conflicting resubmission.
    intake_hash: Mapped[str | None] = mapped_column(String(64))
    # The intake API's first answer, repeated verbatim to a retry.
    intake_answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    applicant_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    # Where the partner was found when the Ockto data added it (MijnOverheid, Belastingdienst).
    partner_source: Mapped[PartnerSource | None] = mapped_column(enum_column(PartnerSource))
    children_count: Mapped[int] = mapped_column(Integer, default=0)
    contact_preference: Mapped[ContactPreference] = mapped_column(
        enum_column(ContactPreference), default=ContactPreference.EMAIL
    )
    insurer: Mapped[str | None] = mapped_column(String(200))
    insurance_package: Mapped[str | None] = mapped_column(String(200))
    insurance_start: Mapped[dt.date | None] = mapped_column(Date)

    advice: Mapped[Advice | None] = mapped_column(enum_column(Advice), index=True)
    # [{"code": ..., "melding": ..., "cijfers": {...}}] as computed by the advice service.
    advice_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    advice_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # The engine's whole output (services/legitimacy/advice.py): every figure the advice rests on.
    advice_calculation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision), index=True)
    # Rejection reason codes (RejectionReason names).
    decision_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    decision_explanation: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # Four eyes: who approved the decision another official took, and when.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    approved_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # The behandelaar: the Medewerker or Beheerder of the organisation who handles it.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    # The zaak in the municipality's zaaksysteem, once registered, and its last statustype.
    zgw_zaak_url: Mapped[str | None] = mapped_column(String(300))
    zgw_zaak_identificatie: Mapped[str | None] = mapped_column(String(40))
    zgw_statustype: Mapped[str | None] = mapped_column(String(300))

    # The separate case of the partner, linked both ways (seed 002).
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))

    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    applicant: Mapped[Resident] = relationship(foreign_keys=[applicant_id])
    partner: Mapped[Resident | None] = relationship(foreign_keys=[partner_id])
    children: Mapped[list[Resident]] = relationship(secondary=case_child)
    linked_case: Mapped[Case | None] = relationship(remote_side=[id], post_update=True)
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.created_on.desc(), CaseEvent.id.desc()"
    )
    notices: Mapped[list[Notice]] = relationship(back_populates="case", order_by="Notice.id")
    memos: Mapped[list[Memo]] = relationship(
        back_populates="case", order_by="Memo.created_on.desc(), Memo.id.desc()"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="case")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="case")
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="case", order_by="Delivery.id")
    information_requests: Mapped[list[InformationRequest]] = relationship(back_populates="case")

    @property
    def number(self) -> str:
        """The case number shown to people: application or contract number, else the id."""
        return Case.number_of(self.application_number, self.contract_number, self.id)

    @staticmethod
    def number_of(application_number: str | None, contract_number: str | None, case_id: int) -> str:
        """The case number of these stored columns (for rows read without the ORM)."""
        return application_number or contract_number or f"Z{case_id:06d}"

    @property
    def adults_count(self) -> int:
        return 1 + (1 if self.partner_id else 0)

    @property
    def insured_count(self) -> int:
        return self.adults_count + self.children_count

    @property
    def open_notices(self) -> list[Notice]:
        return [n for n in self.notices if n.resolved_on is None]

    def __str__(self) -> str:
        return f"Zaak {self.number}"


class CaseEvent(Model):
    """One line of a case's timeline: a status change or an action, with who and when."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # Who acted when no user did: "systeem", "inwoner", "aanvraagsite", "Ockto".
    actor: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus))
    to_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus))
    description: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    user = relationship(User, foreign_keys=[user_id])

    @property
    def actor_name(self) -> str:
        return self.user.username if self.user else (self.actor or "systeem")

    def __str__(self) -> str:
        return self.description


class Notice(Model):
    """A flag on a case that needs a caseworker's attention (melding)."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind))
    message: Mapped[str] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    resolved_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    case: Mapped[Case] = relationship(back_populates="notices")

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.message}"


class Memo(Model):
    """A caseworker's note on a case."""

    __tablename__ = "memo"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    case: Mapped[Case] = relationship(back_populates="memos")
    created_by = relationship(User, foreign_keys=[created_by_id])

    def __str__(self) -> str:
        return self.text if len(self.text) <= 60 else self.text[:57] + "..."


class InformationRequest(Model):
    """A request for additional information with a deadline and a resident upload link."""

    __tablename__ = "information_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[dt.date] = mapped_column(Date)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    fulfilled_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    expired_notice_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    case: Mapped[Case] = relationship(back_populates="information_requests")

    def __str__(self) -> str:
        return f"Verzoek om informatie (termijn {self.deadline:%d-%m-%Y})"


class Document(Model):
    """An uploaded file (bewijsstuk) on a case, stored outside the web root."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    information_request_id: Mapped[int | None] = mapped_column(ForeignKey("information_request.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_resident: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    case: Mapped[Case] = relationship(back_populates="documents")

    def __str__(self) -> str:
        return self.original_name


class Invitation(Model):
    """The invitation to deliver data through Ockto, carrying an unguessable token."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_on: Mapped[dt.datetime] = mapped_column(TZDateTime)
    # When the resident first and last opened the start page (the timeline shows it daily).
    opened_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    last_opened_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    case: Mapped[Case] = relationship(back_populates="invitations")

    def __str__(self) -> str:
        return f"Uitnodiging van {self.created_on:%d-%m-%Y}"


class CaseTally(Model):
    """Counts of cases per municipality, status, advice and handler, for the overview.

    Written only by database triggers on `case` (migration 0020), in the transaction that
    inserts, changes or removes the case, so the sums are always exact: never a cache.
    Rows are deltas (+1/-1 and the persons they carry); the `tally` job adds them up.
    """

    __tablename__ = "case_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    advice: Mapped[Advice | None] = mapped_column(enum_column(Advice))
    handler_id: Mapped[int | None] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)
    # Applicant and partner, and those plus the children (the insured persons).
    adults: Mapped[int] = mapped_column(Integer)
    insured: Mapped[int] = mapped_column(Integer)

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.status.name} {self.cases:+d}"
