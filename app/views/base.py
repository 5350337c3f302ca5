"""Tenant-aware building blocks for every FAB view that shows organisation data."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose

from ..roles import current_user
from ..services.security import audit
from ..web.tenancy import TenantFilter, ensure_in_scope, guard_related_queries
from .fields import labeled_enum_fields

READ_ONLY = ["can_list", "can_show"]


class TenantGuardMixin:
    """Answer 404 before any route with a `pk` runs when that row is another organisation's.

    One check on the blueprint covers show, edit, delete, actions and any route added
    later; anonymous requests pass through so FAB can send them to the login page.
    """

    def create_blueprint(self, appbuilder: Any, endpoint: Any = None, static_folder: Any = None):
        blueprint = super().create_blueprint(
            appbuilder, endpoint=endpoint, static_folder=static_folder
        )
        blueprint.before_request(self._guard_pk)
        return blueprint

    def _guard_pk(self) -> None:
        pk = (request.view_args or {}).get("pk")
        if pk is not None and current_user() is not None:
            ensure_in_scope(self, pk)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any):
        """Run a show-page action on one row of the own organisation."""
        ensure_in_scope(self, pk)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """Run a list action on selected rows of the own organisation."""
        for pk in request.form.getlist("rowid"):
            ensure_in_scope(self, pk)
        return super().action_post()


class AuditedChangesMixin:
    """Write every change made through a FAB form to the audit log."""

    audit_name = "object"

    def post_add(self, item: Any) -> None:
        audit.object_changed(self.audit_name, item.id, "create")

    def post_update(self, item: Any) -> None:
        audit.object_changed(self.audit_name, item.id, "update")

    def post_delete(self, item: Any) -> None:
        audit.object_changed(self.audit_name, item.id, "delete")


def readable(value: Any) -> Any:
    """A value as a person reads it: nothing for None, Ja/Nee, a list joined by commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


class ReadableValuesMixin:
    """No "None", "True" or "[Beheerder]" on a list or show page: every column FAB shows
    without a formatter of its own gets `readable`."""

    def _init_properties(self) -> None:
        super()._init_properties()
        shown = [*(self.list_columns or []), *(self.show_columns or [])]
        self.formatters_columns = {
            **{name: readable for name in shown},
            **(self.formatters_columns or {}),
        }


class ReturnToRecordMixin:
    """After saving an edit, show the record just saved (FAB went back to its history)."""

    def post_edit_redirect(self) -> Any:
        pk = (request.view_args or {}).get("pk")
        if pk is not None and "can_show" in (getattr(self, "base_permissions", None) or []):
            return redirect(url_for(".show", pk=pk))
        return super().post_edit_redirect()


class DutchPagesMixin(ReturnToRecordMixin, ReadableValuesMixin):
    """Dutch on every model screen: enum selects show labels, titles name their object.

    FAB's form converter labels an enum's options with its code ("BEFORE"), and its
    show and edit pages carry the view's plural title ("Gemeenten"); here a select
    shows "Toetsen vooraf" and the edit page says "Gemeente Zwolle bewerken".
    """

    # The object's kind in Dutch, before its name in a title ("Gemeente", "Zaak").
    noun = ""

    def _init_forms(self) -> None:
        for form, columns in (("add", self.add_columns), ("edit", self.edit_columns),
                              ("search", self.search_columns)):  # fmt: skip
            extra = getattr(self, f"{form}_form_extra_fields") or {}
            fields = {**labeled_enum_fields(self, columns, extra), **extra}
            setattr(self, f"{form}_form_extra_fields", fields)
        super()._init_forms()

    def render_template(self, template: str, **kwargs: Any) -> str:
        pk = (request.view_args or {}).get("pk")
        if pk is not None:
            # FAB's edit page gets no pk: our edit templates link to the object's own pages.
            kwargs.setdefault("pk", pk)
        page = (request.endpoint or "").rsplit(".", 1)[-1]
        if pk is not None and page in ("show", "edit") and "title" in kwargs:
            item = self.datamodel.get(pk, self._base_filters)
            if item is not None:
                kwargs["title"] = object_title(self.noun, item, editing=page == "edit")
        return super().render_template(template, **kwargs)


def object_title(noun: str, item: Any, editing: bool = False) -> str:
    """The title of an object's page: "Gemeente Zwolle", "Gemeente Zwolle bewerken"."""
    name = str(item)
    title = name if not noun or name.lower().startswith(noun.lower()) else f"{noun} {name}"
    return f"{title} bewerken" if editing else title


class TenantModelView(DutchPagesMixin, TenantGuardMixin, ModelView):
    """A ModelView that never shows, changes or acts on another organisation's rows.

    FAB applies base filters on list, show, edit and delete; its actions load rows
    without them and are guarded by TenantGuardMixin.
    """

    page_size = 25

    def __init__(self, **kwargs: Any) -> None:
        self.base_filters = [["id", TenantFilter, lambda: None], *(self.base_filters or [])]
        guard_related_queries(self)
        super().__init__(**kwargs)


def register_unknown_action_guard(app: Any) -> None:
    """Answer 404 for an unknown action name on any model view (FAB itself fails with a 500)."""
    views = {view.endpoint: view for view in app.appbuilder.baseviews}

    @app.before_request
    def _known_action() -> None:
        endpoint = request.endpoint or ""
        if not endpoint.endswith((".action", ".action_post")):
            return
        view = views.get(endpoint.rsplit(".", 1)[0])
        if endpoint.endswith(".action"):
            name = (request.view_args or {}).get("name")
        else:
            name = request.form.get("action")
        if view is not None and name not in getattr(view, "actions", {}):
            abort(404)
