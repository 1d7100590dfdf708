from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from crm.extensions import db
from crm.main.services import dashboard_for

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> str:
    return render_template("main/index.html", dashboard=dashboard_for(current_user))


@bp.route("/healthz")
def health() -> tuple[Response, int]:
    """For a load balancer: the app answers and the database is reachable."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok"), 200
