from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interactions", __name__, url_prefix="/interactions")
