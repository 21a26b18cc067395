"""Security headers on every response: the SPA, the API, attachments, the docs.

The content security policy allows scripts from this origin only, never inline: Vite's build
loads its code from files. Styles may be inline: Element Plus positions poppers and dialogs
with style attributes and injected <style> elements. Nothing may frame the app.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The Swagger UI page that FastAPI writes loads its code and style from this CDN.
DOCS_CDN = "https://cdn.jsdelivr.net"


def csp(script_src: str = "'self'", style_src: str = "'self'", img_src: str = "'self'") -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {script_src}",
            f"style-src {style_src} 'unsafe-inline'",
            f"img-src {img_src} data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


DEFAULT_HEADERS = (
    ("content-security-policy", csp()),
    # Page addresses can carry a tracking code (/public/lookup?code=…): never send them on.
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),  # frame-ancestors for browsers that predate it
)


class SecurityHeaders:
    """Adds DEFAULT_HEADERS to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def with_inline_scripts_allowed(page: HTMLResponse, *, cdn: str) -> HTMLResponse:
    """A page of someone else's making (the docs) with its inline scripts allowed by their
    hash, and its code, style and images from ``cdn``; still no other inline script."""
    html = bytes(page.body).decode()
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    policy = csp(
        script_src=f"'self' {cdn} {hashes}".strip(),
        style_src=f"'self' {cdn}",
        img_src="'self' https://fastapi.tiangolo.com",
    )
    page.headers["content-security-policy"] = policy
    return page


def install_docs(app: FastAPI, path: str = "/docs") -> None:
    """The Swagger UI page (create the app with ``docs_url=None``), with a policy that lets it
    run when its CDN is reachable."""
    redirect = f"{path}/oauth2-redirect"
    openapi_url = app.openapi_url or ""

    @app.get(path, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect,
        )
        return with_inline_scripts_allowed(page, cdn=DOCS_CDN)

    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return with_inline_scripts_allowed(get_swagger_ui_oauth2_redirect_html(), cdn=DOCS_CDN)
