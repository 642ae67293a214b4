"""The web UI: an HTML shell, ES modules and a style sheet, shipped inside the package.

Why a package of its own: the UI is data the server hands out, not code the server runs. It
holds no Python logic beyond saying where its files are, so it sits below ``server`` in the
layer contract and imports nothing of gitward.

The browser side is a small single-page app written as plain ES modules: no build step, no
Node at install or run time, no third-party script, nothing fetched from a CDN. It speaks only
to gitward's REST API and its server-sent event stream, with the API's session cookie and CSRF
rules, and it builds the page with DOM calls (``textContent``, never ``innerHTML``), so a value
holding HTML is shown as text.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "PAGES", "shell"]

ASSETS = Path(__file__).parent / "assets"
"""The directory served at ``/assets``."""

PAGES = ("/", "/login", "/applications", "/applications/{name}", "/settings")
"""The paths that answer the UI's shell (the script shows the view the path names)."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""No inline script, no ``eval``, nothing from another origin, never framed."""


def shell() -> bytes:
    """The HTML page every UI path answers."""
    return (ASSETS / "index.html").read_bytes()
