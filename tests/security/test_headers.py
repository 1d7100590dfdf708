"""Security headers on every response, a CSP the templates can satisfy, secure cookies in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm.config import default_config, finalize_config
from crm.security.headers import build_csp, tile_source

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split("; ")}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/css/app.css", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    """Pages, static files and errors all get CSP, nosniff, referrer policy and no framing."""
    response = client.get(path)
    response.close()  # static files are streamed from an open file
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"][0] == "'self'" and "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_logged_in_pages_have_the_headers(client, logged_in):
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_csp_allows_the_configured_tile_server():
    """Map tiles load from MAP_TILE_URL's host, subdomain placeholders become a wildcard."""
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None
    csp = _directives(build_csp({"MAP_TILE_URL": "https://{s}.tiles.local:8080/{z}/{x}/{y}.png",
                                 "CSP_EXTRA_CONNECT_SRC": "https://osrm.local"}, nonce="abc"))
    assert "https://*.tiles.local:8080" in csp["img-src"]
    assert csp["connect-src"] == ["'self'", "https://osrm.local"]
    assert csp["script-src"] == ["'self'", "'nonce-abc'"]


def test_nonce_helper_is_per_request_and_in_the_header(app):
    """``csp_nonce()`` in a template adds that nonce to the policy of the same response."""
    template = app.jinja_env.from_string('<script nonce="{{ csp_nonce() }}"></script>')
    nonces = []
    for _ in range(2):
        with app.test_request_context("/"):
            html = template.render()
            nonce = re.search(r'nonce="([^"]+)"', html).group(1)
            response = app.process_response(app.response_class(html))
            assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
            nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_hsts_and_secure_cookies_in_production(app, monkeypatch):
    """Production sends HSTS and marks the session and remember cookies Secure, HttpOnly, Lax."""
    from flask import Flask

    from crm.security.headers import install_security_headers

    config = default_config("/tmp")
    config.update(ENV_NAME="production", SECRET_KEY="x" * 40,
                  ENCRYPTION_KEY=__import__("base64").urlsafe_b64encode(b"k" * 32).decode())
    finalize_config(config)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    prod = Flask("prod")
    prod.config.update(config)
    install_security_headers(prod)
    prod.add_url_rule("/", "i", lambda: "ok")
    response = prod.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_inline_scripts_or_handlers():
    """The CSP forbids inline code: every template uses static JS and data- attributes instead."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in ((INLINE_SCRIPT, "inline <script>"), (INLINE_HANDLER, "on*= handler")):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {what}: {match.group(0)[:60]}")
        if re.search(r"""(href|src|action)\s*=\s*["']\s*javascript:""", text, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert offenders == []
