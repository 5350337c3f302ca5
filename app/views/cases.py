"""Case screens: the filtered list with export and BSN search, and the detail page."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import lazy_gettext as _

from ..formatting import datetime_nl, label_of, person_name, today_nl
from ..models import (
    Advice,
    AssetHouseholdType,
    Case,
    CaseKind,
    CaseStatus,
    Decision,
    HouseholdType,
    IncomeKind,
    IncomePeriod,
    RejectionReason,
)
from ..roles import current_user
from ..services.cases import (
    assignment,
    decisions,
    information_requests,
    reassessments,
    records,
    workflow,
)
from ..services.imports import export
from ..services.messaging import outbox
from ..services.ockto import adapter, journey, summary
from ..services.security import audit
from ..services.zgw import registration
from ..web import refusals
from ..web.datamodels import case_interface
from ..web.downloads import attachment, download, pdf
from ..web.filters import HandlerFilter
from .base import TenantModelView
from .outcome import FAILED, message_of, perform

# The workflow actions the detail page offers so far (decide and request-info follow).
SCREEN_ACTIONS = ("request_info", "hold", "release", "abort", "restore")

# Dutch labels for the codes in a stored advice calculation.
ADVICE_LABELS = {
    "household_labels": {k.name: k.label for k in HouseholdType},
    "asset_household_labels": {k.name: k.label for k in AssetHouseholdType},
    "income_labels": {k.name: k.label for k in IncomeKind},
    "period_labels": {k.name: k.label for k in IncomePeriod},
}


class AttentionFilter(BaseFilter):
    """Only cases that need attention of one kind (the dashboard's links)."""

    name = "Aandacht nodig"

    def apply(self, query: Any, value: Any) -> Any:
        ids = records.attention_case_ids(value, today_nl())
        return query.filter(Case.id.in_(ids))


class CaseModelView(TenantModelView):
    """Zaken: list with filters, export and BSN search; a detail page per case."""

    noun = "Zaak"
    datamodel = case_interface()
    route_base = "/zaken"
    list_title = _("Zaken")
    show_title = _("Zaak")
    list_template = "case/list.html"
    # FAB names an action's permission after the bare action name unless it is mapped here.
    method_permission_name = {
        "start_reassessment": "start_reassessment",
        "release_selected": "act",
        "hold_selected": "act",
        "export_selected": "export",
        "assign_selected": "distribute",
    }
    base_permissions = [
        "can_list",
        "can_show",
        "can_export",
        "can_search_bsn",
        "can_add_memo",
        "can_start_reassessment",
        "can_act",
        "can_add_document",
        "can_document",
        "can_decide",
        "can_assign",
        "can_approve",
        "can_distribute",
        "can_zgw_retry",
    ]
    list_columns = [
        "id",
        "number",
        "kind",
        "status",
        "applicant",
        "municipality",
        "handler",
        "advice",
        "decision",
        "created_on",
        "changed_on",
    ]
    order_columns = ["id", "kind", "status", "advice", "decision", "created_on", "changed_on"]
    search_columns = [
        "status",
        "kind",
        "advice",
        "decision",
        "municipality",
        "contact_preference",
        "application_number",
        "contract_number",
        "created_on",
        "changed_on",
    ]
    base_order = ("created_on", "desc")
    label_columns = {
        "id": _("Id"),
        "number": _("Zaaknummer"),
        "kind": _("Soort"),
        "status": _("Status"),
        "applicant": _("Aanvrager"),
        "municipality": _("Gemeente"),
        "handler": _("Behandelaar"),
        "advice": _("Advies"),
        "decision": _("Besluit"),
        "created_on": _("Aangemaakt op"),
        "changed_on": _("Gewijzigd op"),
        "contact_preference": _("Communicatievoorkeur"),
        "application_number": _("Aanvraagnummer"),
        "contract_number": _("Contractnummer"),
    }
    formatters_columns = {
        "kind": label_of(CaseKind),
        "status": label_of(CaseStatus),
        "advice": label_of(Advice),
        "decision": label_of(Decision),
        "created_on": datetime_nl,
        "changed_on": datetime_nl,
        "handler": person_name,
    }

    @action(
        "start_reassessment",
        "Start heronderzoek",
        "De geselecteerde nieuwe heronderzoeken uitnodigen?",
        "fa-paper-plane",
        single=False,
    )
    def start_reassessment(self, items: Any):
        """Invite the selected NEW reassessments (others are refused and counted)."""
        items = items if isinstance(items, list) else [items]
        counts = reassessments.start(case_ids=[c.id for c in items])
        flash(
            f"{counts['uitgenodigd']} inwoner(s) uitgenodigd; {counts['geweigerd']} zaak/zaken "
            "geweigerd (geen nieuw heronderzoek).",
            "success" if counts["uitgenodigd"] else "warning",
        )
        return redirect(url_for(".list"))

    def _report(self, result: dict[str, Any], what: str) -> None:
        done, skipped = result["gedaan"], result["overgeslagen"]
        flash(f"{what}: {len(done)} zaak/zaken; {len(skipped)} overgeslagen.",
              "success" if done else "warning")  # fmt: skip
        for item in skipped[:20]:
            flash(f"Zaak {item['id']} overgeslagen: {item['reden']}", "warning")

    @action("release_selected", "Vrijgeven", "De geselecteerde zaken vrijgeven?", "fa-play",
            single=False)  # fmt: skip
    def release_selected(self, items: Any):
        """Release the selected cases that are on hold; the rest is reported as skipped."""
        items = items if isinstance(items, list) else [items]
        self._report(workflow.bulk("release", [c.id for c in items]), "Vrijgegeven")
        return redirect(url_for(".list"))

    @action("hold_selected", "In afwachting zetten", "", "fa-pause", single=False)
    def hold_selected(self, items: Any):
        """Ask the reason (and end date) for holding the selected cases."""
        items = items if isinstance(items, list) else [items]
        return redirect(url_for(".bulk_hold", ids=",".join(str(c.id) for c in items)))

    @action("export_selected", "Exporteren (CSV)", "", "fa-download", single=False)
    def export_selected(self, items: Any):
        """Download the selected cases as CSV."""
        items = items if isinstance(items, list) else [items]
        query = self.datamodel.session.query(Case).filter(Case.id.in_([c.id for c in items]))
        stream, mimetype, filename = export.export_cases(query, "csv", "selectie")
        return download(stream, mimetype, filename, stream=True)

    @expose("/bulk/wachten", methods=["GET", "POST"])
    @has_access
    @permission_name("act")
    def bulk_hold(self):
        """Put the selected cases on hold with one reason; reports done and skipped."""
        source = request.form if request.method == "POST" else request.args
        ids = [int(i) for i in source.get("ids", "").split(",") if i.strip().isdigit()][:500]
        if request.method == "POST":
            result = perform(lambda: workflow.bulk("hold", ids, reden=request.form.get("reden"),
                                                   tot=request.form.get("tot")))  # fmt: skip
            if result is not FAILED:
                self._report(result, "In afwachting gezet")
                return redirect(url_for(".list"))
        return self.render_template(
            "case/bulk_hold.html", ids=ids, title="Zaken in afwachting zetten"
        )

    def _notice_filters(self, filters: Any) -> Any:
        """The menu's and the overview's links: attention, my cases, not assigned."""
        extra = []
        kind = "meldingen" if request.args.get("meldingen") == "1" else request.args.get("aandacht")
        if kind in records.ATTENTION:
            extra.append(["id", AttentionFilter, kind])
        if request.args.get("mijn") == "1":
            extra.append(["id", HandlerFilter, getattr(current_user(), "id", -1)])
        elif request.args.get("toegewezen") == "nee":
            extra.append(["id", HandlerFilter, None])
        elif request.args.get("behandelaar", "").isdigit():
            extra.append(["id", HandlerFilter, int(request.args["behandelaar"])])
        if extra:
            return filters.get_joined_filters(self.datamodel.get_filters().add_filter_list(extra))
        return filters

    def _get_list_widget(self, filters: Any, **kwargs: Any) -> dict[str, Any]:
        widgets = super()._get_list_widget(self._notice_filters(filters), **kwargs)
        audit.case_list_viewed(widgets["list"].template_args.get("count", 0))
        return widgets

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk: int):
        """The case detail page: persons, advice, notices, memos, messages, timeline."""
        case = perform(lambda: records.for_detail(pk))
        audit.case_viewed(case.id)
        deliveries = summary.deliveries_of(case)
        chosen = request.args.get("levering", type=int)
        selected = next(
            (d for d in deliveries if d.id == chosen), deliveries[0] if deliveries else None
        )
        invitation = journey.open_invitation(case) if adapter.is_sandbox() else None
        return self.render_template(
            "case/show.html",
            case=case,
            messages=outbox.for_case(case),
            deliveries=deliveries,
            delivery=summary.summarise(selected) if selected else None,
            sandbox_link=url_for("resident.start", token=invitation.token) if invitation else None,
            title=str(case),
            actions=[a for a in workflow.allowed_actions(case) if a in SCREEN_ACTIONS],
            can_decide=case.municipality.module_decisions
            and "decide" in workflow.allowed_actions(case),
            rejection_reasons=list(RejectionReason),
            has_data=bool(case.advice_calculation or deliveries),
            action_labels={name: t.label for name, t in workflow.TRANSITIONS.items()},
            # Only a Beheerder gets the list of colleagues to assign to.
            handlers=assignment.handlers() if workflow.is_beheerder(current_user()) else [],
            is_beheerder=workflow.is_beheerder(current_user()),
            zgw_state=registration.state_of(case)
            if case.municipality.zgw_enabled or case.zgw_zaak_url
            else None,
            me=current_user(),
            **ADVICE_LABELS,
        )

    @action("assign_selected", "Toewijzen", "", "fa-user", single=False)
    def assign_selected(self, items: Any):
        """Ask to whom (and why) the selected cases go."""
        items = items if isinstance(items, list) else [items]
        return redirect(url_for(".bulk_assign", ids=",".join(str(c.id) for c in items)))

    @expose("/bulk/toewijzen", methods=["GET", "POST"])
    @has_access
    @permission_name("distribute")
    def bulk_assign(self):
        """Assign the selected cases to one handler with one reason; reports every skipped case."""
        source = request.form if request.method == "POST" else request.args
        ids = [int(i) for i in source.get("ids", "").split(",") if i.strip().isdigit()]
        if request.method == "POST":
            chosen, reason = request.form.get("behandelaar") or None, request.form.get("reden")
            result = perform(lambda: assignment.bulk_assign(ids, chosen, reason))
            if result is not FAILED:
                return self.render_template(
                    "case/bulk_assign_report.html", result=result, title="Werk verdeeld"
                )
        return self.render_template(
            "case/bulk_assign.html", ids=ids, handlers=assignment.handlers(),
            title="Zaken toewijzen",
        )  # fmt: skip

    @expose("/show/<int:pk>/behandelaar", methods=["POST"])
    @has_access
    @permission_name("assign")
    def assign(self, pk: int):
        """Take a case, release it, or (Beheerder) assign it to a colleague."""
        chosen = request.form.get("behandelaar") or None
        perform(
            lambda: assignment.assign(pk, chosen, reason=request.form.get("reden")),
            lambda case: f"Behandelaar: {person_name(case.handler)}." if case.handler
            else "De zaak heeft geen behandelaar meer.",
        )  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/goedkeuring", methods=["POST"])
    @has_access
    @permission_name("approve")
    def approval(self, pk: int):
        """Approve a waiting decision (it is sent) or send it back with a reason."""
        if request.form.get("stap") == "terugsturen":
            perform(lambda: decisions.send_back(pk, request.form.get("reden")),
                    "Het besluit is teruggestuurd naar de collega die het nam.")  # fmt: skip
        else:
            perform(lambda: decisions.approve(pk), lambda case: f"Besluit goedgekeurd: "
                    f"{case.decision.label}. De beschikking is verstuurd.")  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/goedkeuring/voorbeeld")
    @has_access
    @permission_name("approve")
    def approval_preview(self, pk: int):
        """The waiting decision's beschikking as it will be sent (PDF)."""
        data = perform(lambda: decisions.pending_preview(pk))
        if data is FAILED:
            return redirect(url_for(".show", pk=pk))
        return pdf(data, "beschikking-ter-goedkeuring.pdf")

    @expose("/show/<int:pk>/zaaksysteem/opnieuw", methods=["POST"])
    @has_access
    @permission_name("zgw_retry")
    def zgw_retry(self, pk: int):
        """Try the registration in the zaaksysteem again now (Beheerder)."""
        perform(lambda: registration.retry(pk), lambda n: f"{n} registratie(s) staan klaar om "
                "opnieuw te worden verstuurd (binnen een minuut).")  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/actie/<action>", methods=["POST"])
    @has_access
    @permission_name("act")
    def act(self, pk: int, action: str):
        """Run a workflow action from the detail page (hold, release, abort, restore)."""
        if action not in SCREEN_ACTIONS:
            abort(404)
        form = request.form
        calls = {
            "hold": lambda: workflow.hold(pk, form.get("reden"), form.get("tot")),
            "release": lambda: workflow.release(pk),
            "abort": lambda: workflow.abort(pk, form.get("reden")),
            "restore": lambda: workflow.restore(pk),
            "request_info": lambda: information_requests.request_info(
                pk, form.get("omschrijving"), form.get("termijn")
            ),
        }
        perform(calls[action], lambda case: f"{workflow.TRANSITIONS[action].label}: de zaak is "
                f"nu '{case.status.label}'.")  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/memo", methods=["POST"])
    @has_access
    @permission_name("add_memo")
    def add_memo(self, pk: int):
        """Add a memo from the detail page."""
        perform(lambda: records.add_memo(pk, request.form.get("tekst", "")), "Memo toegevoegd.")
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/besluit", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk: int):
        """Preview the beschikking (PDF) or decide and send it ("Akkoord en verzenden")."""
        form = request.form
        args = (pk, form.get("besluit"), form.getlist("redenen"), form.get("toelichting"))
        if form.get("stap") == "voorbeeld":
            data = perform(lambda: decisions.preview(*args))
            if data is not FAILED:
                return pdf(data, "voorbeeld-beschikking.pdf")
        elif form.get("stap") != "bevestigd":
            # "Akkoord en verzenden" asks once more, naming the resident and the channel.
            confirmation = perform(lambda: decisions.confirmation(*args))
            if confirmation is not FAILED:
                return self.render_template(
                    "case/confirm_decision.html", title="Besluit bevestigen", **confirmation
                )
        else:
            perform(lambda: decisions.decide(*args), lambda case: f"Besluit genomen: "
                    f"{case.decision.label}. De beschikking is verstuurd.")  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/melding/<int:notice_id>", methods=["POST"])
    @has_access
    @permission_name("act")
    def resolve_notice(self, pk: int, notice_id: int):
        """Mark a notice as handled ("afhandelen")."""
        perform(lambda: workflow.resolve_notice(pk, notice_id), "Melding afgehandeld.",
                category="warning")  # fmt: skip
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/documenten", methods=["POST"])
    @has_access
    @permission_name("add_document")
    def add_document(self, pk: int):
        """Upload documents; 'per post ontvangen' also ends the open information request."""
        files = [(f.filename, f.read()) for f in request.files.getlist("bestanden") if f.filename]
        by_post = request.form.get("per_post") == "y"
        perform(
            lambda: information_requests.add_documents(pk, files, by_post),
            lambda stored: f"{len(stored)} document(en) toegevoegd.",
        )
        return redirect(url_for(".show", pk=pk, _anchor="documenten"))

    @expose("/show/<int:pk>/document/<int:document_id>")
    @has_access
    @permission_name("document")
    def document(self, pk: int, document_id: int):
        """Download a document as an attachment (audited)."""
        document, data = perform(lambda: information_requests.document_for_download(document_id))
        if document.case_id != pk:
            abort(404)
        return attachment(document, data)

    @expose("/zoek-bsn", methods=["GET", "POST"])
    @has_access
    @permission_name("search_bsn")
    def search_bsn(self):
        """Search cases by BSN; the BSN travels in a POST body, never in a URL."""
        found: list[Case] | None = None
        error = None
        if request.method == "POST":
            result, refusal = refusals.run(
                lambda: records.search_by_bsn(request.form.get("bsn", ""))
            )
            if refusal is None:
                found = result
            else:
                error = " ".join(message_of(item) for item in refusal.items)
        return self.render_template(
            "case/search_bsn.html", found=found, error=error, title="Zoeken op BSN"
        )

    @expose("/export/<fmt>")
    @has_access
    @permission_name("export")
    def export(self, fmt: str):
        """Download the current filtered list as CSV or XLSX."""
        get_filter_args(self._filters)
        orders = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = orders if orders else self.base_order
        filters = self._notice_filters(self._filters)
        joined = filters.get_joined_filters(self._base_filters)
        query = self.datamodel.apply_all(
            self.datamodel.session.query(Case), joined, order_column, order_direction
        )
        described = ",".join(sorted({f.column_name for f in filters.filters})) or "-"
        try:
            stream, mimetype, filename = export.export_cases(query, fmt, described)
        except export.ExportError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".list"))
        return download(stream, mimetype, filename, stream=True)
