from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizations", __name__, url_prefix="/organizations")
