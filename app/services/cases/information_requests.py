"""Information requests (hersteltermijn): ask, receive by upload or post, expire.

Seed 003 and DESIGN.md 4.2: a request moves NEW/INVITED/DATA_RECEIVED to
INFO_REQUESTED and sends the resident a message with an upload link; documents from
the resident's upload page or registered by a caseworker (received by post) end it
and return the case to DATA_RECEIVED with a notice. Documents are never interpreted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ...extensions import db
from ...models import (
    Case,
    CaseStatus,
    Document,
    InformationRequest,
    Notice,
    NoticeKind,
    SignalKind,
    TemplateEvent,
)
from .. import tenancy
from ..errors import Conflict, ValidationError
from ..messaging import outbox, signals
from ..security import audit
from ..unit import Work, unit_of_work
from ..zgw import events as zgw_events
from . import records, uploads, workflow

MAX_DESCRIPTION = 5000


def upload_link(request_: InformationRequest) -> str:
    """The resident's personal upload page."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/inwoner/upload/{request_.token}"


def open_request(case: Case) -> InformationRequest | None:
    """The case's newest unfulfilled request, if any."""
    return db.session.scalar(
        select(InformationRequest)
        .where(InformationRequest.case_id == case.id, InformationRequest.fulfilled_on.is_(None))
        .order_by(InformationRequest.id.desc())
        .limit(1)
    )


def request_info(case_id: int, description: Any, deadline: Any = None, user: Any = None,
                 now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Ask the resident for more information by a deadline (INFO_REQUESTED), with a message."""
    with workflow.case_action(case_id, user, now) as (case, work):
        text = description.strip() if isinstance(description, str) else ""
        if not text:
            raise ValidationError(
                [{"veld": "omschrijving", "melding": "Beschrijf wat u nodig hebt."}]
            )
        if len(text) > MAX_DESCRIPTION:
            raise ValidationError(
                [{"veld": "omschrijving", "melding": f"Maximaal {MAX_DESCRIPTION} tekens."}]
            )
        term = _term(case, deadline, workflow.today(work.now))
        workflow.transition(case, "request_info", work, f"Aanvullende informatie opgevraagd "
                            f"(termijn {term:%d-%m-%Y})")  # fmt: skip
        request_ = InformationRequest(
            case=case, description=text, deadline=term, token=secrets.token_urlsafe(32),
            created_on=work.now, created_by_id=getattr(work.user, "id", None),
        )  # fmt: skip
        db.session.add(request_)
        db.session.flush()
        outbox.queue(
            case,
            TemplateEvent.INFORMATION_REQUEST,
            link=upload_link(request_),
            deadline=term,
            request_description=text,
            now=work.now,
        )
        audit.object_changed("case", case.id, "request_info")
    return case


def _term(case: Case, deadline: Any, today: dt.date) -> dt.date:
    """The deadline given (a date after today), else the municipality's default term."""
    given = workflow.date_after_today(deadline, "termijn", today)
    return given or today + dt.timedelta(days=case.municipality.info_request_days)


def usable(token: str) -> InformationRequest | None:
    """The open request behind an upload link, while its case is open; else None."""
    request_ = db.session.scalar(
        select(InformationRequest).where(InformationRequest.token == token)
    )
    if request_ is None or request_.fulfilled_on is not None:
        return None
    if request_.case.status in (CaseStatus.DECIDED, CaseStatus.ABORTED):
        return None
    return request_


def _store_documents(case: Case, request_: InformationRequest | None,
                     files: list[tuple[str | None, bytes]], by_resident: bool, user: Any,
                     now: dt.datetime) -> list[Document]:  # fmt: skip
    if not files:
        raise ValidationError([{"veld": "bestanden", "melding": "Kies een of meer bestanden."}])
    if len(files) > uploads.MAX_FILES:
        raise ValidationError(
            [{"veld": "bestanden", "melding": f"Maximaal {uploads.MAX_FILES} bestanden tegelijk."}]
        )
    problems = []
    checked = []
    for name, data in files:
        try:
            checked.append(uploads.check(name, data))
        except uploads.UploadRefused as exc:
            problems.append({"veld": "bestanden", "melding": str(exc)})
    if problems:
        raise ValidationError(problems)
    stored: list[Document] = []
    for item in checked:
        stored_name = uploads.store(item)
        document = Document(
            case=case, information_request_id=request_.id if request_ else None,
            original_name=item.original_name, stored_name=stored_name,
            content_type=item.content_type, size=len(item.data),
            uploaded_by_resident=by_resident, created_on=now,
            created_by_id=None if by_resident else getattr(user, "id", None),
        )  # fmt: skip
        db.session.add(document)
        stored.append(document)
    db.session.flush()  # the documents' ids, for their registration in the zaaksysteem
    for document in stored:
        zgw_events.record(case, zgw_events.DOCUMENT, now, document=document.id)
    return stored


def _fulfil(case: Case, request_: InformationRequest, how: str, actor: str | None,
            work: Work) -> None:  # fmt: skip
    """End a request: back to DATA_RECEIVED (also as the target of a running hold)."""
    done = db.session.execute(
        update(InformationRequest)
        .where(InformationRequest.id == request_.id, InformationRequest.fulfilled_on.is_(None))
        .values(fulfilled_on=work.now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise Conflict("Dit verzoek is al afgehandeld.")
    if workflow.applies(case, "info_received"):
        workflow.transition(case, "info_received", work, how, actor=actor)
    else:
        records.add_event(case, "info_received", how, actor=actor, now=work.now)


def resident_upload(token: str, files: list[tuple[str | None, bytes]],
                    now: dt.datetime | None = None) -> InformationRequest:  # fmt: skip
    """The resident's upload: store the files, end the request, notify the caseworker."""
    with unit_of_work(now=now, system=True) as work:
        request_ = usable(token)
        if request_ is None:
            raise tenancy.NotFound()
        case = request_.case
        stored = _store_documents(case, request_, files, True, None, work.now)
        _fulfil(case, request_, f"{len(stored)} document(en) geüpload door de inwoner",
                "inwoner", work)  # fmt: skip
        db.session.add(
            Notice(case=case, kind=NoticeKind.DOCUMENTS_RECEIVED, created_on=work.now,
                   message=f"De inwoner heeft {len(stored)} document(en) geüpload.")
        )  # fmt: skip
        signals.raise_signal(case, SignalKind.DOCUMENTS_UPLOADED, f"request:{request_.id}",
                             work.now)  # fmt: skip
    return request_


def add_documents(case_id: int, files: list[tuple[str | None, bytes]], by_post: bool,
                  user: Any = None, now: dt.datetime | None = None) -> list[Document]:  # fmt: skip
    """A caseworker adds documents; `by_post` registers a paper answer and ends the request."""
    with workflow.case_action(case_id, user, now) as (case, work):
        if case.status in (CaseStatus.DECIDED, CaseStatus.ABORTED):
            raise Conflict(
                f"Een zaak met status '{case.status.label}' kan niet meer worden gewijzigd."
            )
        request_ = open_request(case) if by_post else None
        if by_post and request_ is None:
            raise Conflict("Er staat geen verzoek om aanvullende informatie open.")
        stored = _store_documents(case, request_, files, False, work.user, work.now)
        if request_ is not None:
            _fulfil(case, request_, f"{len(stored)} document(en) per post ontvangen en "
                    "geregistreerd", None, work)  # fmt: skip
        else:
            records.add_event(case, "document", f"{len(stored)} document(en) toegevoegd",
                              now=work.now)  # fmt: skip
        audit.object_changed("case", case.id, "documents_added")
    return stored


def document_for_download(document_id: int, user: Any = None) -> tuple[Document, bytes]:
    """A document of the user's organisation with its content; audited."""
    with unit_of_work(user, keep_loaded=True) as work:
        document = db.session.scalar(
            tenancy.scope(select(Document).where(Document.id == document_id), Document, work.user)
        )
        if document is None:
            raise tenancy.NotFound()
        try:
            data = uploads.read(document.stored_name)
        except FileNotFoundError:
            raise tenancy.NotFound() from None
        audit.object_changed("document", document.id, f"download:case={document.case_id}")
    return document, data


def expire_deadlines(now: dt.datetime | None = None) -> int:
    """Raise one notice per request whose deadline has passed (the daily job)."""
    with unit_of_work(now=now, system=True) as work:
        due = db.session.scalars(
            select(InformationRequest).where(
                InformationRequest.fulfilled_on.is_(None),
                InformationRequest.expired_notice_on.is_(None),
                InformationRequest.deadline < workflow.today(work.now),
            )
        ).all()
        raised = 0
        for request_ in due:
            if request_.case.status in (CaseStatus.DECIDED, CaseStatus.ABORTED):
                continue
            claimed = db.session.execute(
                update(InformationRequest)
                .where(InformationRequest.id == request_.id,
                       InformationRequest.expired_notice_on.is_(None))
                .values(expired_notice_on=work.now)
                .execution_options(synchronize_session=False)
            ).rowcount  # fmt: skip
            if claimed != 1:
                continue
            signals.raise_signal(request_.case, SignalKind.TERM_EXPIRED,
                                 f"request:{request_.id}", work.now)  # fmt: skip
            db.session.add(
                Notice(case_id=request_.case_id, kind=NoticeKind.DEADLINE_EXPIRED,
                       created_on=work.now,
                       message=f"De termijn voor aanvullende informatie is op "
                               f"{request_.deadline:%d-%m-%Y} verstreken.")
            )  # fmt: skip
            raised += 1
    return raised
