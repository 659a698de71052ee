"""Security defaults applied to every response and redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_safe_next(target: str | None) -> bool:
    """Whether a `next` target stays on this site (a path, not a scheme or host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    """The `next` target if it stays on-site, otherwise the fallback."""
    return target if is_safe_next(target) else fallback


def register_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, framing and referrer headers to every response."""

    @app.after_request
    def add_headers(response):
        headers = response.headers
        policy = CONTENT_SECURITY_POLICY
        if request.endpoint == "api_docs.docs":
            # Swagger UI sets inline styles; scripts still come only from this site.
            policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS_SECONDS"):
            headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        if request.endpoint and not request.endpoint.endswith("static"):
            headers.setdefault("Cache-Control", "no-store" if _is_private() else "no-cache")
        return response


def _is_private() -> bool:
    return bool(current_user and current_user.is_authenticated)
