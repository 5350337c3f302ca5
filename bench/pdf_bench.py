"""Benchmark: beschikking letters as PDF per second, beside xhtml2pdf on the same HTML.

Run: .venv/bin/python bench/pdf_bench.py [LETTERS] [--append=bench/RESULTS.md]
(default 60). On the demo data, renders the beschikking of open demo cases the way the
caseworker's preview and the decision send it (template lookup, sandboxed placeholders,
house style, PDF); the floor is xhtml2pdf turning the very same HTML into a PDF
directly, captured in a first pass that is not timed.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, make_app
from flask import g
from sqlalchemy import select
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import PERMISSIVE_POLICY

from app import demo
from app.extensions import db
from app.models import Case, CaseStatus, User
from app.services.cases import decisions
from app.services.messaging import documents

# Target from issue 12: letters per second at least this share of the floor's.
TARGET_SHARE = 0.8


def main(letters: int, append: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        with app.app_context():
            demo.load()
        with app.test_request_context():
            user = db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
            g.user = user
            open_ids = db.session.scalars(
                select(Case.id)
                .where(Case.status == CaseStatus.DATA_RECEIVED)
                .where(Case.municipality_id.in_([m.id for m in user.organisation.municipalities]))
                .order_by(Case.id)
            ).all()
            assert open_ids, "the demo has no open case with data"
            chosen = [open_ids[i % len(open_ids)] for i in range(letters)]

            def product() -> list[bytes]:
                return [decisions.preview(c, "GRANTED", user=user) for c in chosen]

            # First pass, not timed: capture the HTML the product hands to xhtml2pdf.
            html: list[str] = []
            original = documents.pisa.CreatePDF

            def capture(source, *args, **kwargs):
                html.append(source)
                return original(source, *args, **kwargs)

            documents.pisa.CreatePDF = capture
            try:
                product()
            finally:
                documents.pisa.CreatePDF = original

            start = time.perf_counter()
            pdfs = product()
            product_s = time.perf_counter() - start
            assert all(p.startswith(b"%PDF") for p in pdfs)

            start = time.perf_counter()
            for source in html:
                out = io.BytesIO()
                # Local reads allowed wherever the fonts are, as the product allows them.
                done = pisa.CreatePDF(
                    source, dest=out, encoding="utf-8", resource_policy=PERMISSIVE_POLICY
                )
                assert not done.err
            floor_s = time.perf_counter() - start
    product_rate, floor_rate = letters / product_s, letters / floor_s
    share = product_rate / floor_rate
    report = (
        f"\n## PDF-brieven (beschikking): {letters} brieven\n\n"
        "| weg | brieven per seconde | × vloer | doel | gehaald |\n|---|---:|---:|---:|---|\n"
        f"| beschikking (sjabloon, huisstijl, PDF) | {product_rate:.1f} | {share:.2f} | "
        f"≥ {TARGET_SHARE} × vloer | {'ja' if share >= TARGET_SHARE else '**nee**'} |\n"
        f"| vloer: xhtml2pdf op dezelfde HTML | {floor_rate:.1f} | 1.00 | | |\n"
    )
    print(report)
    if append:
        with open(append, "a") as out:
            out.write(report)


if __name__ == "__main__":
    args, target = arguments()
    main(int(args[0]) if args else 60, target)
