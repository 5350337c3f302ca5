"""Rendering in house style: HTML emails with a text alternative, and A4 PDF letters."""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import reportlab
import segno
from flask import render_template
from pypdf import PdfReader, PdfWriter
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from ...formatting import date_nl, today_nl
from ...models import Municipality
from .. import files

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
FONTS = {"font_regular": FONT_DIR / "Vera.ttf", "font_bold": FONT_DIR / "VeraBd.ttf"}


class FirstLineOnly(logging.Filter):
    """Keep only the first line of xhtml2pdf's log messages.

    xhtml2pdf appends the piece of the letter it was rendering on the lines after a
    warning: the resident's name and address, which never belong in a server log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        first = record.getMessage().split("\n", 1)[0]
        record.msg, record.args = first[:300], None
        return True


def quiet_library_logs() -> None:
    """Let xhtml2pdf's warnings through without the letter text they quote."""
    # A logger's filters see only the records made on it: each module's logger.
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] == "xhtml2pdf":
            logger = logging.getLogger(name)
            if not any(isinstance(f, FirstLineOnly) for f in logger.filters):
                logger.addFilter(FirstLineOnly())


@dataclass
class Rendered:
    """A message as it will go out: subject, plain text, HTML and/or PDF."""

    subject: str
    text: str
    html: str | None = None
    pdf: bytes | None = None


def _paragraphs(text: str) -> list[list[str]]:
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [block.strip("\n").split("\n") for block in blocks]


def logo_path(municipality: Municipality) -> Path | None:
    """A local copy of the municipality's stored logo (xhtml2pdf reads a path), if any."""
    if not municipality.logo_file:
        return None
    try:
        return files.local_copy(municipality.logo_file)
    except files.MissingFileError:
        return None


def email(municipality: Municipality, subject: str, body: str) -> Rendered:
    """An email in the municipality's house style, HTML with the plain text beside it."""
    html = render_template(
        "mail/email.html",
        subject=subject,
        paragraphs=_paragraphs(body),
        color=municipality.primary_color or "#1f4e79",
        sender_name=municipality.sender_name or f"Gemeente {municipality.name}",
        footer=municipality.footer or "",
    )
    text = body.strip() + ("\n\n-- \n" + municipality.footer if municipality.footer else "")
    return Rendered(subject=subject, text=text + "\n", html=html)


def _link_callback(allowed: list[Path]):
    resolved = [p.resolve() for p in allowed]

    def resolve(uri: str, rel: str | None = None) -> str:
        # xhtml2pdf asks here for every image, font and stylesheet: only our own files
        # are handed out, so a letter never fetches anything from the network.
        try:
            candidate = Path(uri).resolve()
        except (OSError, ValueError):
            return ""
        if any(candidate == p for p in resolved):
            return str(candidate)
        return ""

    return resolve


def letter_pdf(
    municipality: Municipality,
    address: list[str],
    subject: str,
    body: str,
    reference: str,
    date: dt.date | None = None,
    qr_link: str | None = None,
    short_code: str | None = None,
) -> bytes:
    """An A4 letter as PDF, the address placed for a window envelope.

    With `qr_link` the letter carries a QR code of that link and, with `short_code`, the
    code to type on the short address: nobody on paper types a 43-character link.
    """
    with tempfile.TemporaryDirectory(prefix="gp-qr-") as folder:
        qr = None
        if qr_link:
            qr = Path(folder) / "qr.png"
            segno.make(qr_link, error="m").save(str(qr), scale=6, border=2)
        return _letter_pdf(municipality, address, subject, body, reference, date, qr,
                           short_code)  # fmt: skip


def _letter_pdf(
    municipality: Municipality,
    address: list[str],
    subject: str,
    body: str,
    reference: str,
    date: dt.date | None,
    qr: Path | None,
    short_code: str | None,
) -> bytes:
    from .short_links import display, short_address

    logo = logo_path(municipality)
    html = render_template(
        "letter/letter.html",
        color=municipality.primary_color or "#1f4e79",
        logo=str(logo.resolve()) if logo else None,
        sender_name=municipality.sender_name or f"Gemeente {municipality.name}",
        sender_address=(municipality.sender_address or "").splitlines(),
        address=address,
        date=date_nl(date or today_nl()),
        reference=reference,
        subject=subject,
        paragraphs=_paragraphs(body),
        footer=municipality.footer or "",
        qr=str(qr) if qr else None,
        short_code=display(short_code) if short_code else None,
        short_address=short_address() if short_code else None,
        **{name: str(path) for name, path in FONTS.items()},
    )
    out = io.BytesIO()
    allowed = [*FONTS.values(), *([logo] if logo else []), *([qr] if qr else [])]
    # xhtml2pdf confines local reads to the working directory unless told otherwise: a
    # server started elsewhere than beside its virtualenv lost the letter font (and
    # xhtml2pdf logged a piece of the letter, with the resident's name and address).
    policy = ResourceAccessPolicy.server(
        base_dir=None, allow_remote=False, extra_roots=tuple({p.parent for p in allowed})
    )
    result = pisa.CreatePDF(
        html,
        dest=out,
        encoding="utf-8",
        link_callback=_link_callback(allowed),
        resource_policy=policy,
    )
    if result.err:
        raise RuntimeError("De brief kon niet als PDF worden gemaakt.")
    return out.getvalue()


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF holding all given PDFs in order (the print batch)."""
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def store_logo(municipality: Municipality, data: bytes) -> str:
    """Check an uploaded logo by its content (PNG or JPEG, at most 1 MB) and store it.

    The logo it replaces is removed in the same unit of work.
    """
    if len(data) > 1024 * 1024:
        raise ValueError("Het logo is groter dan 1 MB.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        suffix = ".png"
    elif data.startswith(b"\xff\xd8\xff"):
        suffix = ".jpg"
    else:
        raise ValueError("Het logo moet een PNG- of JPEG-afbeelding zijn.")
    files.remove(municipality.logo_file)
    return files.put("logo", data, suffix)


def image_type(path: Path) -> str:
    """The MIME type of a stored logo (its suffix was set from its checked content)."""
    return "image/png" if path.suffix == ".png" else "image/jpeg"
