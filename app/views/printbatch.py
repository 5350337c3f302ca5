"""Printbatch: one PDF with every unprinted letter, then mark them printed."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from ..services.messaging import outbox
from ..web.downloads import download


def _ids(text: str | None) -> list[int]:
    try:
        return [int(part) for part in (text or "").split(",") if part.strip()]
    except ValueError:
        abort(400)


class PrintBatchView(BaseView):
    """The Beheerder's print batch of letters for the organisation's municipalities."""

    route_base = "/printbatch"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """List the letters waiting to be printed."""
        letters = outbox.unprinted_letters()
        return self.render_template("printbatch.html", letters=letters, title="Printbatch")

    @expose("/pdf")
    @has_access
    def pdf(self):
        """Download the listed letters as one PDF."""
        try:
            data = outbox.print_batch(_ids(request.args.get("ids")))
        except outbox.MessagingError as exc:
            flash(str(exc), "warning")
            return redirect(url_for(".index"))
        return download(data, "application/pdf", "printbatch.pdf")

    @expose("/printed", methods=["POST"])
    @has_access
    def printed(self):
        """Mark the listed letters as printed."""
        count = outbox.mark_printed(_ids(request.form.get("ids")))
        flash(f"{count} brief/brieven gemarkeerd als geprint.", "success")
        return redirect(url_for(".index"))
