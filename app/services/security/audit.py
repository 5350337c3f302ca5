"""The audit log: one function per audited event, one writer. Never personal data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, g, has_request_context, request
from flask_login import user_logged_out

from ...extensions import db
from ...models import AuditLog
from ...roles import current_user
from ..unit import is_open, unit_of_work

F = TypeVar("F", bound=Callable[..., Any])


def _write(
    action: str,
    object_type: str | None = None,
    object_id: Any = None,
    result: str = "ok",
    detail: str | None = None,
    user: Any = None,
) -> AuditLog:
    """The one writer: add an entry to the running unit of work; it never commits itself.

    Inside an action the entry joins that action's transaction: stored with the change,
    or not at all. Every event below is a unit of its own when no action runs (`_event`).
    """
    if not is_open():
        raise RuntimeError("an audit entry is written inside a unit of work only")
    user = user if user is not None else current_user()
    entry = AuditLog(
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        organisation_id=getattr(user, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=detail,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    if has_request_context():
        g.audit_written = True
    return entry


def _event(function: F | None = None, *, reading: bool = False) -> Any:
    """An audited event: joins the running action, or is a unit of work of its own.

    `reading`: the event records a read, so what the request loaded stays loaded after
    the commit (expiring it would reload every row of a list page, one query each).
    """

    def wrap(event: F) -> F:
        @wraps(event)
        def run(*args: Any, **kwargs: Any) -> Any:
            with unit_of_work(system=True, keep_loaded=reading):
                return event(*args, **kwargs)

        return run  # type: ignore[return-value]

    return wrap(function) if function is not None else wrap


@_event
def request_handled(
    endpoint: str,
    method: str,
    object_type: str,
    object_id: Any,
    status: int,
    result: str,
    user: Any,
) -> None:
    """A request to a personal-data view that wrote no entry of its own (see audit_guard)."""
    _write(
        f"http.{method.lower()}",
        object_type,
        object_id,
        result,
        detail=f"route={endpoint}; status={status}",
        user=user,
    )


@_event
def retention_proposed(run_id: int, count: int, cutoff: Any, user: Any = None) -> None:
    """A retention report was made (by a Beheerder or the nightly job); nothing removed."""
    _write(
        "retention.proposed",
        "retention_run",
        run_id,
        detail=f"zaken={count}; peildatum={cutoff.isoformat()}",
        user=user,
    )


@_event
def retention_removed(run_id: int, count: int) -> None:
    """A Beheerder confirmed a retention report: `count` cases removed."""
    _write("retention.removed", "retention_run", run_id, detail=f"zaken={count}")


@_event
def login_attempt(user: Any, success: bool) -> None:
    """A login by form or API, successful or refused (the attempted name is not stored)."""
    _write("login", "user", getattr(user, "id", None), "ok" if success else "refused", user=user)


@_event
def login_throttled(user: Any = None) -> None:
    """A login refused without checking the password: too many failures (name not stored)."""
    _write("login", "user", getattr(user, "id", None), "throttled", user=user)


@_event
def second_factor(user: Any, success: bool) -> None:
    """A second-factor code given at login, accepted or refused."""
    _write("login.2fa", "user", user.id, "ok" if success else "refused", user=user)


@_event
def second_factor_enrolled(user: Any) -> None:
    """A user set up two-factor login."""
    _write("user.2fa_enrolled", "user", user.id, user=user)


@_event
def second_factor_removed(by: Any, user: Any) -> None:
    """A user's second factor was removed (by themselves or by their Beheerder)."""
    _write("user.2fa_reset", "user", user.id, user=by)


@_event
def session_ended(user: Any, reason: str) -> None:
    """A session ended by a timeout or was refused as ended (logouts are written by `logout`)."""
    _write("session.end", "user", user.id, "refused", detail=f"reden={reason}", user=user)


@_event
def logout(user: Any) -> None:
    """A logout."""
    _write("logout", "user", getattr(user, "id", None), user=user)


@_event(reading=True)
def case_viewed(case_id: int, channel: str = "scherm") -> None:
    """Someone looked at a case's personal data."""
    _write("case.view", "case", case_id, detail=f"kanaal={channel}")


@_event(reading=True)
def delivery_viewed(case_id: int, channel: str = "api") -> None:
    """Someone looked at the income, assets and debts of a case's household."""
    _write("delivery.view", "case", case_id, detail=f"kanaal={channel}")


@_event(reading=True)
def advice_viewed(case_id: int, channel: str = "api") -> None:
    """Someone looked at the advice and its calculation (incomes and assets)."""
    _write("advice.view", "case", case_id, detail=f"kanaal={channel}")


@_event
def what_if(municipality_id: int, count: int) -> None:
    """A Beheerder ran a what-if over the open cases of a municipality (nothing changed)."""
    _write("advice.what_if", "municipality", municipality_id, detail=f"zaken={count}")


@_event(reading=True)
def case_list_viewed(count: int, channel: str = "scherm") -> None:
    """Someone listed cases (names and numbers of residents)."""
    _write("case.list", "case", None, detail=f"kanaal={channel}; rijen={count}")


@_event(reading=True)
def resident_viewed(resident_id: int) -> None:
    """Someone looked at a resident's personal data."""
    _write("resident.view", "resident", resident_id)


@_event(reading=True)
def resident_list_viewed(count: int) -> None:
    """Someone listed residents."""
    _write("resident.list", "resident", None, detail=f"rijen={count}")


@_event(reading=True)
def bsn_searched(result_count: int) -> None:
    """A search by BSN; the BSN itself is not stored."""
    _write("case.search_bsn", "case", None, detail=f"resultaten={result_count}")


@_event
def export_made(what: str, fmt: str, count: int, filters: str, channel: str = "scherm") -> None:
    """An export of a list; filters are described by field names only."""
    _write(
        "export",
        what,
        None,
        detail=f"formaat={fmt}; rijen={count}; filters={filters or '-'}; kanaal={channel}",
    )


@_event
def zgw_delivered(case_id: int, kind: str, zaak_url: str | None) -> None:
    """An event delivered to the municipality's zaaksysteem, with the zaak (never a secret)."""
    _write("case.zgw", "case", case_id, detail=f"{kind.lower()}; zaak={zaak_url or '-'}"[:2000])


@_event
def object_changed(object_type: str, object_id: Any, change: str, user: Any = None) -> None:
    """A created, changed or deleted object (by `user`, or whoever acts now)."""
    _write(f"{object_type}.{change}", object_type, object_id, user=user)


@_event
def setup_done(municipality_id: int, item: str) -> None:
    """One item of a municipality's set-up checklist done (joins the caller's unit)."""
    _write("municipality.setup", "municipality", municipality_id, detail=f"stap={item}")


@_event
def password_chosen(user: Any) -> None:
    """A new user chose their password through their one-time link (joins that unit)."""
    _write("user.password_chosen", "user", user.id, user=user)


@_event
def access_refused(object_type: str, object_id: Any) -> None:
    """An attempt to reach an object outside the user's organisation."""
    _write("access.refused", object_type, object_id, result="refused")


def connect_signals(app: Flask) -> None:
    """Write logouts through Flask-Login's signal (logins go through the security manager)."""

    def _on_logout(sender: Any, user: Any) -> None:
        if getattr(user, "is_authenticated", False):
            logout(user)

    user_logged_out.connect(_on_logout, app, weak=False)
