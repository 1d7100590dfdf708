"""The map of organizations, and moving an organization's pin by hand."""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.extensions import cache, db
from crm.geocoding.services import set_manual_location
from crm.labels import LABELS
from crm.map.services import map_points, organizations_version
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.organizations.views import parse_list_filters
from crm.permissions import can_edit_organization

bp = Blueprint("map", __name__, url_prefix="/map")

#: How long encoded map data may be reused while the data version stays the same.
MAP_CACHE_SECONDS = 60


def _legend() -> dict[str, dict[str, str]]:
    return {
        "kind": {k.value: str(LABELS[k]) for k in OrganizationKind},
        "status": {s.value: str(LABELS[s]) for s in OrganizationStatus},
        "precision": {p.value: str(LABELS[p]) for p in GeoPrecision},
    }


@bp.route("/")
def index() -> str:
    filter_form, _filters, invalid = parse_list_filters(request.args)
    return render_template(
        "map/index.html",
        filter_form=filter_form,
        invalid_filters=invalid,
        legend=_legend(),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


@bp.route("/points.json")
def points() -> Response:
    """The located organizations matching the list's filters (query arguments as on the list).

    Every user sees the same organizations, so the encoded answer is cached per filter and data
    version (50,000 points take ~300 ms to read and encode, a cache hit ~5 ms), and sent with an
    ETag so a browser that already has it gets a 304.
    """
    # Keyed by the parsed filters, not the raw arguments: whether a tag or owner filter is valid
    # depends on the tags and users of the moment.
    _form, filters, invalid = parse_list_filters(request.args)
    limit = current_app.config["MAP_MAX_POINTS"]
    key = "map-points:" + hashlib.sha256(
        repr((organizations_version(), limit, filters, invalid)).encode()
    ).hexdigest()
    body = cache.get(key)
    if body is None:
        result = map_points(filters, limit=limit)
        body = jsonify(
            points=result.points,
            count=len(result.points),
            without_location=result.without_location,
            truncated=result.truncated,
            ignored_filters=invalid,
        ).get_data()
        cache.set(key, body, timeout=MAP_CACHE_SECONDS)
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(key.removeprefix("map-points:")[:32])
    # Revalidate every time (the data changes), but a 304 costs the browser nothing to download.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.route("/organizations/<int:organization_id>/location", methods=["POST"])
def set_location(organization_id: int) -> tuple[Response, int] | Response:
    """A person dragged the pin: the new point is kept with precision "set by hand"."""
    organization = db.get_or_404(Organization, organization_id)
    if not can_edit_organization(current_user, organization):
        abort(403)
    try:
        latitude = float(request.form["latitude"].replace(",", "."))
        longitude = float(request.form["longitude"].replace(",", "."))
        set_manual_location(organization, latitude, longitude)
    except (KeyError, ValueError):
        return jsonify(error="invalid_location", message=_("Latitude and longitude are needed.")), 400
    return jsonify(
        latitude=organization.latitude,
        longitude=organization.longitude,
        precision=GeoPrecision.MANUAL.value,
        message=_("Location saved."),
    )
