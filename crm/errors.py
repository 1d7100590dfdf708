"""Error pages: a friendly page for people, a JSON reason for API and fetch() callers."""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | Response, int] | Response:
        if _wants_json():
            return jsonify(error="csrf_failed", message=error.description), 400
        # The form's page was open too long or was forged: send the user back to try again.
        flash(_("The form expired or was not sent from this site. Please try again."), "warning")
        if request.referrer and request.referrer.startswith(request.host_url):
            return redirect(request.referrer)
        return render_template("errors/error.html", code=400, error=error), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int]:
        code = error.code or 500
        if _wants_json():
            return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description), code
        return render_template("errors/error.html", code=code, error=error), code
