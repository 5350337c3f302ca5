"""Safe response headers on every answer (OWASP ASVS 14.4; issue 11 finishes the CSP)."""

from __future__ import annotations

from flask import Flask, Response, request

# Pages and API answers show personal data: never store them in a browser or proxy cache.
CACHEABLE_PREFIXES = ("/static/",)


def register_security_headers(app: Flask) -> None:
    """No sniffing, no framing, same-origin referrers, and no caching of personal data."""

    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(CACHEABLE_PREFIXES) and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
