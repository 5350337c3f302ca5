"""Accounts without passwords in transit: a new user chooses their own through a one-time link."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from ...extensions import db
from ...models import AccountLink, MessageStatus, SystemMail, User
from ...models.types import utcnow
from ...roles import ORG_ROLES
from ..errors import ValidationError
from ..security import audit, passwords
from ..unit import transactional
from . import organisations

LINK_VALID = dt.timedelta(hours=72)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,64}$")
SENT_NOTE = "(Verzonden. De link staat alleen in de e-mail zelf.)"


class LinkProblem(Exception):  # noqa: N818 - reads as `except accounts.LinkProblem`
    """A link that cannot be used, with the Dutch reason for its visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def link_url(token: str) -> str:
    """The public address of a one-time link (follows PUBLIC_BASE_URL)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/account/activeren/{token}"


def _new_user_problems(data: dict[str, Any]) -> list[dict[str, str | None]]:
    found: list[dict[str, str | None]] = []
    username = data.get("username")
    if not isinstance(username, str) or not USERNAME.match(username):
        message = "Geef een gebruikersnaam van 3 tot 64 tekens: letters, cijfers, . - _ of @."
        found.append({"veld": "username", "melding": message})
    elif current_app.appbuilder.sm.find_user(username=username) is not None:
        found.append({"veld": "username", "melding": "Deze gebruikersnaam bestaat al."})
    email = data.get("email")
    if not isinstance(email, str) or not EMAIL.match(email) or len(email) > 320:
        found.append({"veld": "email", "melding": "Geef een geldig e-mailadres."})
    elif db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
        found.append({"veld": "email", "melding": "Er is al een gebruiker met dit e-mailadres."})
    for field, label in (("first_name", "voornaam"), ("last_name", "achternaam")):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            found.append({"veld": field, "melding": f"Geef de {label} (hoogstens 64 tekens)."})
    if data.get("role") not in ORG_ROLES:
        found.append({"veld": "role", "melding": "Kies de rol Beheerder of Medewerker."})
    return found


@transactional
def invite(actor: Any, organisation_id: Any, data: dict[str, Any]) -> User:
    """Create a Beheerder or Medewerker of an organisation and email them a one-time link.

    The platform Admin may do so for any organisation, a Beheerder for their own only
    (another organisation is not found). No password is set, sent or answered.
    """
    organisation = organisations.get_visible(organisation_id, actor)
    problems = _new_user_problems(data if isinstance(data, dict) else {})
    if problems:
        raise ValidationError(problems)
    sm = current_app.appbuilder.sm
    user = sm.add_user(
        username=data["username"],
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        email=data["email"],
        role=sm.find_role(data["role"]),
    )
    user.organisation = organisation
    db.session.flush()
    audit.object_changed("user", user.id, "create")
    send_link(user, actor)
    return user


def unusable_password() -> str:
    """A password hash no one knows: the account opens only through its link."""
    return generate_password_hash(secrets.token_urlsafe(32))


def new_link(user: User, actor: Any = None, now: dt.datetime | None = None) -> str:
    """A fresh one-time link token (72 h) for the user; older unused links die."""
    now = now or utcnow()
    for old in db.session.scalars(
        select(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_on.is_(None))
    ):
        old.used_on = now  # one valid link at a time
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            user_id=user.id,
            token_hash=_hash(token),
            created_on=now,
            expires_on=now + LINK_VALID,
            created_by_id=getattr(actor, "id", None),
        )
    )
    return token


@transactional
def send_link(user: User, actor: Any = None, now: dt.datetime | None = None) -> None:
    """Queue an email with a fresh one-time link (72 h) to choose a password; older links die."""
    now = now or utcnow()
    token = new_link(user, actor, now)
    organisation = user.organisation.name if user.organisation else "Gemeentepolis Backoffice"
    body = (
        f"Beste {user.first_name},\n\n"
        f"Er is voor u een account aangemaakt in de Gemeentepolis Backoffice van {organisation}."
        f"\nUw gebruikersnaam is: {user.username}\n\n"
        "Kies uw wachtwoord via deze link (72 uur geldig, één keer te gebruiken):\n"
        f"{link_url(token)}\n\n"
        "Daarna logt u in met uw gebruikersnaam en wachtwoord; waar dat verplicht is, richt u "
        "bij de eerste login tweestapsverificatie in met een app op uw telefoon.\n\n"
        "Verwachtte u deze e-mail niet? Dan kunt u hem negeren.\n"
    )
    db.session.add(
        SystemMail(
            recipient=user.email,
            subject="Uw account voor de Gemeentepolis Backoffice",
            body_text=body,
            status=MessageStatus.PENDING,
            created_on=now,
            next_attempt_on=now,
        )
    )
    audit.object_changed("user", user.id, "link_sent")


@transactional
def send_links(users: list[User], actor: Any = None) -> int:
    """Fresh one-time links for several users at once (one unit of work)."""
    for user in users:
        send_link(user, actor)
    return len(users)


@transactional
def link_for_operator(username: str) -> str:
    """A fresh link printed on the server's console (no mail server yet); audited."""
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise LookupError(f"Onbekende gebruiker '{username}'.")
    token = new_link(user)
    audit.object_changed("user", user.id, "link_printed")
    return link_url(token)


def find_link(token: str, now: dt.datetime | None = None) -> AccountLink:
    """The usable link behind `token`, or LinkProblem saying in Dutch why not."""
    now = now or utcnow()
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _hash(token)))
    if link is None:
        raise LinkProblem("Deze link kennen we niet. Controleer of u de hele link uit de e-mail "
                          "heeft gebruikt, of vraag uw beheerder om een nieuwe.")  # fmt: skip
    if link.used_on is not None:
        raise LinkProblem("Deze link is al gebruikt of vervangen door een nieuwere. Log in met "
                          "uw wachtwoord, of vraag uw beheerder om een nieuwe link.")  # fmt: skip
    if link.expires_on <= now:
        raise LinkProblem("Deze link is verlopen (hij is 72 uur geldig). Vraag uw beheerder om "
                          "een nieuwe link.")  # fmt: skip
    return link


@transactional
def choose_password(token: str, password: str, confirmation: str,
                    now: dt.datetime | None = None) -> User:  # fmt: skip
    """Set the user's own password through their link; the link is then used up."""
    now = now or utcnow()
    link = find_link(token, now)
    user = link.user
    problems = passwords.problems(password or "", user.username)
    errors = [{"veld": "password", "melding": p} for p in problems]
    if password != confirmation:
        errors.append({"veld": "conf_password", "melding": "De twee wachtwoorden verschillen."})
    if errors:
        raise ValidationError(errors)
    user.password = generate_password_hash(password)
    user.active = True
    link.used_on = now
    audit.password_chosen(user)
    return user


@transactional
def send_system_mails(now: dt.datetime | None = None) -> dict[str, int]:
    """Send pending account emails (part of the outbox job); retry with back-off."""
    from ..messaging import outbox

    now = now or utcnow()
    counts = {"sent": 0, "retry": 0}
    if not outbox.smtp_configured():
        return counts
    due = list(
        db.session.scalars(
            select(SystemMail)
            .where(SystemMail.status == MessageStatus.PENDING, SystemMail.next_attempt_on <= now)
            .order_by(SystemMail.id)
            .with_for_update(skip_locked=True)
        )
    )
    for mail in due:
        try:
            outbox.send_plain(mail.recipient, mail.subject, mail.body_text)
        except Exception as exc:  # noqa: BLE001 - any SMTP failure: try again later
            mail.attempts += 1
            mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
            mail.next_attempt_on = now + outbox.backoff(mail.attempts)
            counts["retry"] += 1
        else:
            mail.status = MessageStatus.SENT
            mail.sent_on = now
            mail.body_text = SENT_NOTE
            counts["sent"] += 1
    return counts
