"""All models, imported here so they register on FAB's shared metadata."""

from .allowlist import AllowlistEntry
from .audit import AuditLog
from .case import (
    Case,
    CaseEvent,
    Delivery,
    Document,
    InformationRequest,
    Invitation,
    Memo,
    Notice,
    case_child,
)
from .enums import (
    OPEN_STATUSES,
    Advice,
    AssetHouseholdType,
    CaseKind,
    CaseStatus,
    Channel,
    CheckMode,
    ContactPreference,
    Decision,
    HouseholdType,
    ImportKind,
    ImportStatus,
    MessageStatus,
    NoticeKind,
    RejectionReason,
    TemplateEvent,
)
from .imports import ImportRecord
from .messaging import Message, Template
from .norms import AssetLimit, NationalNorm
from .organisation import Municipality, Organisation
from .requests import RefusedRequest
from .resident import Resident
from .user import User

__all__ = [
    "OPEN_STATUSES",
    "Advice",
    "AllowlistEntry",
    "AssetHouseholdType",
    "AssetLimit",
    "AuditLog",
    "Case",
    "CaseEvent",
    "CaseKind",
    "CaseStatus",
    "Channel",
    "CheckMode",
    "ContactPreference",
    "Decision",
    "Delivery",
    "Document",
    "HouseholdType",
    "ImportKind",
    "ImportRecord",
    "ImportStatus",
    "InformationRequest",
    "Invitation",
    "Memo",
    "Message",
    "MessageStatus",
    "Municipality",
    "NationalNorm",
    "Notice",
    "NoticeKind",
    "Organisation",
    "RefusedRequest",
    "RejectionReason",
    "Resident",
    "Template",
    "TemplateEvent",
    "User",
    "case_child",
]
