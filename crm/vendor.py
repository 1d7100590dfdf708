"""Third-party front-end assets served from their Python packages (never a CDN, never copied in)."""

from __future__ import annotations

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, Flask

#: Blueprints whose only route is their static folder: public like our own static files.
VENDOR_STATIC_ENDPOINTS = frozenset({"leaflet.static", "markercluster.static"})


def register_vendor_assets(app: Flask) -> None:
    app.register_blueprint(
        Blueprint(
            "leaflet",
            __name__,
            static_folder=xstatic.pkg.leaflet.BASE_DIR,
            static_url_path="/vendor/leaflet",
        )
    )
    app.register_blueprint(
        Blueprint(
            "markercluster",
            __name__,
            static_folder=xstatic.pkg.leaflet_markercluster.BASE_DIR,
            static_url_path="/vendor/leaflet-markercluster",
        )
    )
