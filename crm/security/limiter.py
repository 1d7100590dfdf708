"""Rate limits (Flask-Limiter): the log-in form, per client address.

Counters live in memory by default (per process: with several gunicorn workers each counts on its
own) and in Redis when ``CRM_REDIS_URL`` (or ``CRM_RATELIMIT_STORAGE_URI``) is set, shared by all.
Behind a proxy set ``CRM_PROXY_FIX_X_FOR=1`` so the client's address, not the proxy's, is counted.
``CRM_RATELIMIT_ENABLED=false`` turns the limits off (the test suite does, except in its own tests).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

#: Views limited by LOGIN_RATE_LIMIT (POST only: showing the form is free).
LOGIN_ENDPOINTS = ("auth.login",)


def login_limit() -> str:
    return str(current_app.config.get("LOGIN_RATE_LIMIT") or "10 per minute")


def init_limiter(app: Flask) -> Limiter:
    """A limiter of this app's own (``app.extensions["limiter"]``), wrapping the log-in view."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "crm-limits")
    # Redis down must not stop people logging in: count in memory meanwhile.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
    limiter.init_app(app)
    app.extensions["crm_limiter"] = limiter  # the wrapped view holds it only weakly
    for endpoint in LOGIN_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(login_limit, methods=["POST"])(view)

    @app.errorhandler(429)
    def too_many_requests(error: Any) -> tuple[str | Response, int]:
        from crm.errors import _wants_json

        message = _("Too many attempts from your connection: wait a minute, then try again.")
        if _wants_json():
            return jsonify(error="too_many_requests", message=message), 429
        flash(message, "danger")
        if request.endpoint in LOGIN_ENDPOINTS:
            from crm.auth.forms import LoginForm

            return render_template("auth/login.html", form=LoginForm()), 429
        return render_template("errors/error.html", code=429, error=error), 429

    return limiter
