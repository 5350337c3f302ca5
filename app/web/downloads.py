"""Files sent to the browser: one place for the download headers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context


def _disposition(filename: str, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name and the exact name in UTF-8."""
    kind = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    if ascii_name == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download(body: bytes | Iterable[Any], mimetype: str, filename: str, *, inline: bool = False,
             stream: bool = False) -> Response:  # fmt: skip
    """A file (or a streamed export) as a download: never sniffed, never cached."""
    # A type that names its charset is sent as it is (Flask would add "charset=utf-8").
    typed = {"content_type": mimetype} if "charset=" in mimetype else {"mimetype": mimetype}
    return Response(
        stream_with_context(body) if stream else body,
        **typed,
        headers={
            "Content-Disposition": _disposition(filename, inline),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def pdf(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser (a letter, a preview)."""
    return download(data, "application/pdf", filename, inline=True)


def attachment(document: Any, data: bytes) -> Response:
    """A stored document as a download: never inline, never sniffed, never cached."""
    return download(data, document.content_type, document.original_name)
