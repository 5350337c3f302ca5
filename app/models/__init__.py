"""All models, imported here so they register on FAB's shared metadata."""

from .allowlist import AllowlistEntry
from .audit import AuditLog
from .case import (
    Case,
    CaseEvent,
    CaseTally,
    Document,
    InformationRequest,
    Invitation,
    Memo,
    Notice,
    case_child,
)
from .delivery import Delivery, DeliveryAsset, DeliveryDebt, DeliveryIncome, DeliveryPerson
from .enums import (
    NON_INCOME_KINDS,
    OPEN_STATUSES,
    Advice,
    AssetHouseholdType,
    AssetKind,
    CaseKind,
    CaseStatus,
    Channel,
    CheckMode,
    ContactPreference,
    DebtKind,
    Decision,
    DeliveryRole,
    FourEyes,
    GrossNet,
    HouseholdType,
    ImportKind,
    ImportStatus,
    IncomeKind,
    IncomePeriod,
    MessageStatus,
    NoticeKind,
    OrganisationKind,
    PartnerSource,
    RejectionReason,
    SetupStep,
    SignalKind,
    TemplateEvent,
)
from .files import ImportProgress, StoredFile
from .imports import ImportRecord, ImportRow
from .messaging import Message, ShortLink, Template
from .norms import AssetLimit, NationalNorm
from .onboarding import AccountLink, SetupProgress, SystemMail
from .organisation import Municipality, Organisation
from .requests import RefusedRequest
from .resident import Resident
from .retention import CaseStatistic, RetentionRun
from .scheduling import JobRun, SchedulerLease
from .security import LoginFailure, RecoveryCode, UserSession
from .signals import Signal
from .user import User
from .zgw import ZgwEvent

__all__ = [
    "NON_INCOME_KINDS",
    "OPEN_STATUSES",
    "AccountLink",
    "Advice",
    "AllowlistEntry",
    "AssetHouseholdType",
    "AssetKind",
    "AssetLimit",
    "AuditLog",
    "Case",
    "CaseEvent",
    "CaseKind",
    "CaseStatistic",
    "CaseStatus",
    "CaseTally",
    "Channel",
    "CheckMode",
    "ContactPreference",
    "DebtKind",
    "Decision",
    "Delivery",
    "DeliveryAsset",
    "DeliveryDebt",
    "DeliveryIncome",
    "DeliveryPerson",
    "DeliveryRole",
    "Document",
    "FourEyes",
    "GrossNet",
    "HouseholdType",
    "ImportKind",
    "ImportProgress",
    "ImportRecord",
    "ImportRow",
    "ImportStatus",
    "IncomeKind",
    "IncomePeriod",
    "InformationRequest",
    "Invitation",
    "JobRun",
    "LoginFailure",
    "Memo",
    "Message",
    "MessageStatus",
    "Municipality",
    "NationalNorm",
    "Notice",
    "NoticeKind",
    "Organisation",
    "OrganisationKind",
    "PartnerSource",
    "RecoveryCode",
    "RefusedRequest",
    "RejectionReason",
    "Resident",
    "RetentionRun",
    "SchedulerLease",
    "SetupProgress",
    "SetupStep",
    "ShortLink",
    "Signal",
    "SignalKind",
    "StoredFile",
    "SystemMail",
    "Template",
    "TemplateEvent",
    "User",
    "UserSession",
    "ZgwEvent",
    "case_child",
]
