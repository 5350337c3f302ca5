"""The allowlist (bestandscheck): look-ups, the last import, cancelling an import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import AllowlistEntry, ImportKind, ImportRecord, ImportStatus, Municipality
from .. import bsn, tenancy
from ..imports import storage
from ..security import audit
from ..unit import transactional


def is_listed(municipality: Municipality, number: str) -> bool:
    """Whether a BSN is on the municipality's allowlist."""
    return (
        db.session.scalar(
            select(AllowlistEntry.id).where(
                AllowlistEntry.municipality_id == municipality.id, AllowlistEntry.bsn == number
            )
        )
        is not None
    )


def check(cbs_code: str, raw_bsn: str, user: Any = None) -> dict[str, Any]:
    """Check one BSN against a municipality's allowlist (audited without the BSN)."""
    municipality = tenancy.get_municipality(cbs_code, user)
    number = bsn.normalise(raw_bsn)
    if not bsn.is_valid(number):
        raise ValueError("Dit is geen geldig BSN (elfproef).")
    listed = is_listed(municipality, number)
    audit.object_changed("allowlist", municipality.id, "check")
    return {"gemeente": municipality.name, "op_lijst": listed}


def overview(user: Any = None) -> list[dict[str, Any]]:
    """Per municipality of the user's organisation: size of the allowlist and last import."""
    municipalities = tenancy.visible_municipalities(user)
    counts = dict(
        db.session.execute(
            select(AllowlistEntry.municipality_id, func.count(AllowlistEntry.id))
            .where(AllowlistEntry.municipality_id.in_([m.id for m in municipalities]))
            .group_by(AllowlistEntry.municipality_id)
        ).all()
    )
    return [
        {"municipality": m, "count": counts.get(m.id, 0), "last": last_import(m)}
        for m in municipalities
    ]


def last_import(municipality: Municipality) -> ImportRecord | None:
    """The most recent completed allowlist import of a municipality."""
    return db.session.scalar(
        select(ImportRecord)
        .where(
            ImportRecord.municipality_id == municipality.id,
            ImportRecord.kind == ImportKind.ALLOWLIST,
            ImportRecord.status == ImportStatus.DONE,
        )
        .order_by(ImportRecord.confirmed_on.desc())
        .limit(1)
    )


@transactional
def cancel_import(record: ImportRecord) -> None:
    """Abandon a previewed import: nothing is written and the upload is deleted."""
    if record.status in (ImportStatus.PREVIEWED, ImportStatus.REFUSED):
        record.status = ImportStatus.CANCELLED
        storage.drop_file(record)
