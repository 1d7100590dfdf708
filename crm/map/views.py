"""The map of organizations, and moving an organization's pin by hand."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.extensions import db
from crm.geocoding.services import set_manual_location
from crm.labels import LABELS
from crm.map.services import map_points
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.organizations.views import parse_list_filters
from crm.permissions import can_edit_organization

bp = Blueprint("map", __name__, url_prefix="/map")


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
    """The located organizations matching the list's filters (query arguments as on the list)."""
    _form, filters, invalid = parse_list_filters(request.args)
    result = map_points(filters, limit=current_app.config["MAP_MAX_POINTS"])
    return jsonify(
        points=result.points,
        count=len(result.points),
        without_location=result.without_location,
        truncated=result.truncated,
        ignored_filters=invalid,
    )


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
