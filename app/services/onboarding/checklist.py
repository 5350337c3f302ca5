"""The set-up checklist (inrichting) a Beheerder completes before the first import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Municipality, SetupProgress, SetupStep, Template, TemplateEvent, User
from ...models.types import utcnow
from ...roles import ROLE_MEDEWERKER
from ..errors import Refused
from ..messaging import outbox
from ..security import audit
from ..unit import transactional

TEMPLATE_PREFIX = "TEMPLATE:"
TRIAL_SALT = "proefuitnodiging"
TRIAL_VALID_SECONDS = 72 * 3600
# Steps a Beheerder confirms by hand; the others follow from the data itself.
CONFIRMED = {SetupStep.POLICY, SetupStep.NORMS, SetupStep.TEST_EMAIL, SetupStep.TEST_INVITATION}


@dataclass(frozen=True)
class Item:
    """One line of the checklist: done or not, why, and where it is done."""

    step: SetupStep
    done: bool
    detail: str


def _marks(municipality: Municipality) -> set[str]:
    return set(
        db.session.scalars(
            select(SetupProgress.item).where(SetupProgress.municipality_id == municipality.id)
        )
    )


@transactional
def mark(municipality: Municipality, item: str, user: Any = None) -> bool:
    """Record one done item (once; a second time changes nothing); True when it is new."""
    exists = db.session.scalar(
        select(SetupProgress.id).where(
            SetupProgress.municipality_id == municipality.id, SetupProgress.item == item
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                SetupProgress(
                    municipality_id=municipality.id,
                    item=item,
                    done_on=utcnow(),
                    done_by_id=getattr(user, "id", None),
                )
            )
    except IntegrityError:
        return False  # a concurrent request recorded it first
    audit.setup_done(municipality.id, item)
    return True


def seen_templates(municipality: Municipality) -> set[str]:
    """The template events of the municipality a Beheerder has looked at in Voorbeeld."""
    return {
        item.removeprefix(TEMPLATE_PREFIX)
        for item in _marks(municipality)
        if item.startswith(TEMPLATE_PREFIX)
    }


def mark_set_up(municipality: Municipality) -> None:
    """Mark every confirmed step and template as done (the demo's ready municipalities)."""
    items = [step.name for step in CONFIRMED]
    items += [f"{TEMPLATE_PREFIX}{event.name}" for event in TemplateEvent]
    known = _marks(municipality) if municipality.id else set()
    db.session.add_all(
        SetupProgress(municipality_id=municipality.id, item=i) for i in items if i not in known
    )


def template_seen(template: Template, user: Any = None) -> None:
    """A Beheerder looked at a template in Voorbeeld (counts towards the checklist)."""
    mark(template.municipality, f"{TEMPLATE_PREFIX}{template.event.name}", user)


def caseworkers(municipality: Municipality) -> int:
    """Active Medewerkers of the municipality's organisation."""
    stmt = (
        select(User.id)
        .join(User.roles)
        .where(
            User.organisation_id == municipality.organisation_id,
            User.active.is_(True),
            Role.name == ROLE_MEDEWERKER,
        )
    )
    return len(db.session.scalars(stmt).all())


def items(municipality: Municipality) -> list[Item]:
    """The checklist of a municipality, in order, each with whether it is done."""
    marks = _marks(municipality)
    events = list(TemplateEvent)
    seen = sum(1 for e in events if f"{TEMPLATE_PREFIX}{e.name}" in marks)
    missing_style = [
        label
        for field, label in (
            ("sender_name", "afzender"),
            ("sender_address", "adres"),
            ("signature", "ondertekening"),
        )
        if not (getattr(municipality, field) or "").strip()
    ]
    workers = caseworkers(municipality)
    found = []
    for step in SetupStep:
        if step == SetupStep.HOUSE_STYLE:
            done = not missing_style
            detail = (
                "Afzender, adres en ondertekening staan in de brieven."
                if done
                else ("Nog niet ingevuld: " + ", ".join(missing_style) + ".")
            )
        elif step == SetupStep.TEMPLATES:
            done = seen == len(events)
            detail = f"{seen} van {len(events)} sjablonen bekeken."
        elif step == SetupStep.CASEWORKER:
            done = workers > 0
            detail = f"{workers} actieve medewerker(s)." if done else "Nog geen Medewerker."
        else:
            done = step.name in marks
            detail = "Gedaan." if done else "Nog niet gedaan."
        found.append(Item(step, done, detail))
    return found


def is_complete(municipality: Municipality) -> bool:
    """Whether every item of the checklist is done (then the first import is offered)."""
    return all(item.done for item in items(municipality))


def incomplete(municipalities: list[Municipality]) -> list[tuple[Municipality, int, int]]:
    """For the overview: (municipality, done, total) of those whose checklist is not complete."""
    found = []
    for municipality in municipalities:
        checklist = items(municipality)
        done = sum(1 for item in checklist if item.done)
        if done < len(checklist):
            found.append((municipality, done, len(checklist)))
    return found


def confirm(municipality: Municipality, step: SetupStep, user: Any = None) -> None:
    """Confirm the policy or the norms after reading them (the other steps are done elsewhere)."""
    if step not in (SetupStep.POLICY, SetupStep.NORMS):
        raise Refused("Deze stap bevestigt u niet hier: volg de link bij de stap.")
    if step == SetupStep.NORMS:
        from ...formatting import today_nl
        from ..legitimacy import assessment

        missing = [
            kind.label for kind, norm, _ in assessment.limits_table(municipality, today_nl())
            if norm is None
        ]  # fmt: skip
        if missing:
            raise Refused("Er is vandaag geen norm van kracht voor: " + ", ".join(missing)
                          + ". Voeg eerst de normen toe (Beheer > Normen).")  # fmt: skip
    mark(municipality, step.name, user)


def send_test_email(municipality: Municipality, recipient: str, user: Any = None) -> None:
    """Send a test email now through the configured mail server; a failure says why in Dutch."""
    from .accounts import EMAIL

    if not EMAIL.match(recipient or ""):
        raise Refused("Geef een geldig e-mailadres voor de testmail.")
    if not outbox.smtp_configured():
        raise Refused("Er is geen mailserver ingesteld (SMTP_HOST): e-mails blijven in de "
                      "wachtrij en gaan niet de deur uit. Zie docs/installatie.md.")  # fmt: skip
    body = (
        "Dit is een testmail van de Gemeentepolis Backoffice voor gemeente "
        f"{municipality.name}.\n\n"
        "Komt deze e-mail aan, dan bereiken e-mails aan inwoners hun ontvanger via deze "
        f"mailserver, met als afzender: {municipality.sender_name or municipality.name}.\n"
    )
    try:
        outbox.send_plain(recipient, f"Testmail gemeente {municipality.name}", body,
                             sender_name=municipality.sender_name)  # fmt: skip
    except Exception as exc:
        raise Refused(outbox.smtp_problem_nl(exc), status=502) from exc
    mark(municipality, SetupStep.TEST_EMAIL.name, user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TRIAL_SALT)


def trial_link(municipality: Municipality) -> str:
    """The public link of a test invitation: the municipality's start page as residents see it."""
    token = _serializer().dumps({"m": municipality.id})
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/inwoner/proef/{token}"


@transactional
def send_test_invitation(municipality: Municipality, user: Any) -> str:
    """Email the invitation template to the Beheerder, with a link to a trial start page."""
    recipient = getattr(user, "email", "") or ""
    if not outbox.smtp_configured():
        raise Refused("Er is geen mailserver ingesteld (SMTP_HOST): de proefuitnodiging kan "
                      "niet worden verstuurd.")  # fmt: skip
    template = db.session.scalar(
        select(Template).where(
            Template.municipality_id == municipality.id,
            Template.event == TemplateEvent.INVITATION,
        )
    )
    if template is None:
        raise Refused("De gemeente heeft geen sjabloon voor de uitnodiging.")
    link = trial_link(municipality)
    rendered = outbox.preview(template, link=link)
    body = f"PROEFUITNODIGING (alleen voor u als beheerder)\n\n{rendered.text}"
    try:
        outbox.send_plain(recipient, f"[Proef] {rendered.subject}", body,
                             sender_name=municipality.sender_name)  # fmt: skip
    except Exception as exc:
        raise Refused(outbox.smtp_problem_nl(exc), status=502) from exc
    audit.setup_done(municipality.id, "proefuitnodiging verstuurd")
    return recipient


def trial_municipality(token: str, now: dt.datetime | None = None) -> Municipality | None:
    """The municipality behind a trial link, or None when the link is wrong or expired."""
    try:
        data = _serializer().loads(token, max_age=TRIAL_VALID_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    return db.session.get(Municipality, data.get("m")) if isinstance(data, dict) else None


def trial_played(municipality: Municipality) -> None:
    """The trial invitation was played from its emailed link to the end of the journey."""
    mark(municipality, SetupStep.TEST_INVITATION.name)
