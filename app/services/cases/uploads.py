"""Uploaded documents (bewijsstukken): checked by content, stored under a random name.

Only PDF, JPEG and PNG are accepted, recognised by their first bytes (never by the
name or the browser's content type), so an HTML file renamed to .pdf is refused. Files
are stored in the database (`services/files.py`), in the same unit of work as their
Document row, and are only ever served as an attachment to authorised users.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import current_app

from .. import files

KINDS = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
MAX_FILES = 10


class UploadRefused(ValueError):  # noqa: N818 - reads as `except uploads.UploadRefused`
    """A file that is not accepted, with a Dutch reason naming the file."""


@dataclass
class CheckedFile:
    """A file that passed the checks, ready to store."""

    original_name: str
    content_type: str
    suffix: str
    data: bytes


def safe_name(name: str | None) -> str:
    """The original name without folders, control characters or odd symbols (max 120)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = re.sub(r"[^\w .()\-]", "_", base).strip(" .")
    return (base or "document")[-120:]


def max_bytes() -> int:
    """The size limit per file (UPLOAD_MAX_MB)."""
    return int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024


def check(name: str | None, data: bytes) -> CheckedFile:
    """Accept a PDF, JPEG or PNG within the size limit; refuse anything else in Dutch."""
    shown = safe_name(name)
    if not data:
        raise UploadRefused(f"'{shown}' is leeg.")
    if len(data) > max_bytes():
        raise UploadRefused(f"'{shown}' is groter dan {current_app.config['UPLOAD_MAX_MB']} MB.")
    for magic, content_type, suffix in KINDS:
        if data.startswith(magic):
            return CheckedFile(shown, content_type, suffix, data)
    raise UploadRefused(f"'{shown}' is geen PDF, JPEG of PNG. Alleen die soorten kunnen mee.")


def store(checked: CheckedFile) -> str:
    """Store the file in the running unit of work under a random name; returns that name."""
    return files.put("document", checked.data, checked.suffix)


def read(stored_name: str) -> bytes:
    """The content of a stored document."""
    if not re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", stored_name):
        raise FileNotFoundError(stored_name)
    return files.get(stored_name)
