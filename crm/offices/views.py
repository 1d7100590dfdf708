from __future__ import annotations

from flask import Blueprint

bp = Blueprint("offices", __name__, url_prefix="/offices")
