"""Production hardening: security headers, log-in rate limit and lock-out, log redaction."""

from __future__ import annotations

from flask import Flask


def init_security(app: Flask) -> None:
    """Install the headers, the limiter and the logging set-up (after the blueprints)."""
    from crm.security.headers import install_lazy_string_escaping, install_security_headers
    from crm.security.limiter import init_limiter
    from crm.security.logs import configure_logging

    proxies = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    install_security_headers(app)
    install_lazy_string_escaping(app)
    init_limiter(app)
    configure_logging(app)
