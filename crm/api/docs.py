"""Interactive API documentation: Swagger UI served from the flask-swagger-ui package (no CDN).

The page is an ordinary page of the application (log-in required); it reads the OpenAPI document
that flask-smorest generates from the code at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, render_template

from crm.api.core import API_PREFIX

SWAGGER_UI_DIST = str(Path(flask_swagger_ui.__file__).resolve().parent / "dist")

bp = Blueprint("api_ui", __name__, url_prefix=API_PREFIX)


@bp.route("/docs")
def docs() -> str:
    return render_template("api/docs.html")


def register_docs(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(
        Blueprint(
            "swagger_ui",
            __name__,
            static_folder=SWAGGER_UI_DIST,
            static_url_path=API_PREFIX + "/docs/assets",
        )
    )
