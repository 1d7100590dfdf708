"""Security headers on every response, with a Content-Security-Policy the app's own pages satisfy.

Scripts come only from this site (``'self'``) or carry the request's nonce (``csp_nonce()`` in
templates); no inline handlers, no ``javascript:`` URLs. Styles allow ``'unsafe-inline'``: Bootstrap
components and Leaflet set ``style`` attributes, and a style cannot run code. Map tiles come from the
configured tile server (``MAP_TILE_URL``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.wrappers import Response

NONCE_KEY = "crm.csp_nonce"


def csp_nonce() -> str:
    """This request's nonce for a ``<script nonce=...>`` that must be inline (avoid: use static/)."""
    environ = request.environ
    if NONCE_KEY not in environ:
        environ[NONCE_KEY] = secrets.token_urlsafe(18)
    return str(environ[NONCE_KEY])


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of an XYZ tile URL: ``https://{s}.tile.x.org/{z}/...`` → ``https://*.tile.x.org``."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # a relative URL: served by this site
    host = parts.netloc
    if "{" in host:  # {s}, {a-c}...: a wildcard for the templated subdomain
        head, _sep, rest = host.partition(".")
        host = "*." + rest if "{" in head and rest else host.replace("{", "").replace("}", "")
    return f"{parts.scheme}://{host}"


def build_csp(config: Any, nonce: str | None) -> str:
    img: list[str] = ["'self'", "data:", "blob:"]
    tiles = tile_source(config.get("MAP_TILE_URL"))
    if tiles:
        img.append(tiles)
    img += list(_as_list(config.get("CSP_EXTRA_IMG_SRC")))
    connect = ["'self'", *_as_list(config.get("CSP_EXTRA_CONNECT_SRC"))]
    scripts = ["'self'"] + ([f"'nonce-{nonce}'"] if nonce else [])
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": img,
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items())


def _as_list(value: Any) -> Iterable[str]:
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def install_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    production = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", build_csp(app.config, request.environ.get(NONCE_KEY)))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production and app.config.get("HSTS_SECONDS"):
            seconds = int(app.config["HSTS_SECONDS"])
            headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
        return response


def install_lazy_string_escaping(app: Flask) -> None:
    """Escape translated lazy strings like any other text.

    Flask-Babel's ``LazyString`` declares ``__html__``, so Jinja outputs it *unescaped*: a message such
    as ``_l("The CAP %(cap)s is wrong", cap=field.data)`` shown as a form error would put the user's
    input into the page as HTML. Jinja's ``finalize`` hook turns lazy strings into plain ``str`` before
    the autoescape step, so they are escaped (``|safe`` still works for a template that means it).
    """
    from flask_babel.speaklater import LazyString

    previous = app.jinja_env.finalize

    def finalize(value: Any) -> Any:
        if isinstance(value, LazyString):
            value = str(value)
        return previous(value) if previous is not None else value

    app.jinja_env.finalize = finalize
