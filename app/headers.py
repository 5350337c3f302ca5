"""Safe response headers on every answer (OWASP ASVS 14.4): CSP with nonces, no framing."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

# Pages and API answers show personal data: never store them in a browser or proxy cache.
CACHEABLE_PREFIXES = ("/static/",)


def csp_nonce() -> str:
    """This request's script nonce (FAB's templates call it through `baselib.get_nonce`)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy() -> str:
    """Scripts only from our own origin or carrying this request's nonce; nothing framed."""
    # Inline styles stay allowed: FAB's widgets and the municipalities' colours use them,
    # and a style cannot run code. Scripts are the attack surface and have no exception.
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register_security_headers(app: Flask) -> None:
    """CSP, no sniffing, no framing, same-origin referrers, and no caching of personal data."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(CACHEABLE_PREFIXES) and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
