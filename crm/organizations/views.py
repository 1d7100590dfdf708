"""Organization pages: list with search and filters, detail, create, edit (optimistic locking), delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from crm.audit.services import history_for
from crm.auth.models import Role, User
from crm.extensions import db
from crm.labels import label
from crm.organizations.forms import (
    DATA_FIELDS,
    FIELD_LABELS,
    NO_OWNER,
    SORT_LABELS,
    WEEKDAY_LABELS,
    WEEKDAYS,
    EditOrganizationForm,
    OrganizationFilterForm,
    OrganizationForm,
    format_day_hours,
)
from crm.organizations.models import (
    GeoPrecision,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    SizeBand,
)
from crm.organizations.services import (
    DEFAULT_DIRECTIONS,
    SORT_KEYS,
    DuplicateVatNumberError,
    OrganizationConflictError,
    OrganizationFilters,
    OrganizationListPage,
    create_organization,
    delete_organization,
    owner_candidates,
    tag_names,
    update_organization,
    used_comune_centre,
)
from crm.permissions import can_edit_organization, role_required
from crm.phones import display_phone
from crm.reference.places import comune_name

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

MAX_PER_PAGE = 100


def _locale() -> str:
    return str(get_locale() or "it")


# --- List -----------------------------------------------------------------------------------------


def parse_list_filters(args: Any) -> tuple[OrganizationFilterForm, OrganizationFilters, list[str]]:
    """The list's filters from query arguments: the form to redisplay, the filters, the invalid names.

    The map and other views that show "the organizations of the list" use the same parsing.
    """
    filter_form = OrganizationFilterForm(args)
    filter_form.set_dynamic_choices(owners=owner_candidates(), tags=tag_names(), locale=_locale())
    values, invalid = filter_form.valid_values()
    sort = args.get("sort", "name")
    if sort not in SORT_KEYS:
        sort = "name"
    direction = args.get("direction") or DEFAULT_DIRECTIONS.get(sort, "asc")
    if direction not in ("asc", "desc"):
        direction = "asc"
    filters = OrganizationFilters(
        q=values.get("q"),
        kind=OrganizationKind(values["kind"]) if "kind" in values else None,
        status=OrganizationStatus(values["status"]) if "status" in values else None,
        comune_code=values.get("comune"),
        ateco_section=values.get("section"),
        size_band=SizeBand(values["size"]) if "size" in values else None,
        tag=values.get("tag"),
        owner_id=_owner_filter(values.get("owner")),
        sort=sort,
        direction=direction,
    )
    return filter_form, filters, invalid


@bp.route("/")
def index() -> str:
    filter_form, filters, invalid = parse_list_filters(request.args)
    per_page = request.args.get("per_page", current_app.config["ITEMS_PER_PAGE"], type=int)
    pagination = OrganizationListPage(
        filters,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=min(max(per_page, 1), MAX_PER_PAGE),
        max_per_page=MAX_PER_PAGE,
    )
    return render_template(
        "organizations/index.html",
        pagination=pagination,
        organizations=pagination.items,
        filter_form=filter_form,
        invalid_filters=invalid,
        filters=filters,
        sort_labels=SORT_LABELS,
    )


def _owner_filter(value: str | None) -> int | None:
    if not value:
        return None
    return 0 if value == NO_OWNER else int(value)


# --- Detail ---------------------------------------------------------------------------------------


@bp.route("/<int:organization_id>")
def detail(organization_id: int) -> str:
    organization = _load(organization_id, selectinload(Organization.contacts))
    from crm.followups.services import open_for_organization
    from crm.interactions.services import timeline_for

    history = history_for("organization", organization.id)
    return render_template(
        "organizations/detail.html",
        organization=organization,
        contacts=organization.contacts,
        interactions=timeline_for(organization, limit=50),
        follow_ups=open_for_organization(organization),
        history=_describe_history(history),
        weekdays=[(day, WEEKDAY_LABELS[day]) for day in WEEKDAYS],
        can_edit=can_edit_organization(current_user, organization),
        comune_centre=organization.geo_precision is GeoPrecision.COMUNE,
    )


# --- Create and edit ------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def create() -> str | Response:
    form = OrganizationForm()
    _prepare(form, owner_id=None)
    if request.method == "GET" and "owner_id" in form:
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        data = form.to_data()
        try:
            organization = create_organization(data, by=current_user)
        except DuplicateVatNumberError as exc:
            _vat_error(form, exc.existing)
        else:
            flash(_("Organization “%(name)s” created.", name=organization.display_name), "success")
            _coordinates_note(organization, data)
            return redirect(url_for(".detail", organization_id=organization.id))
    return render_template(
        "organizations/form.html", form=form, organization=None, conflict=None, conflict_fields={}
    )


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
def edit(organization_id: int) -> str | Response:
    organization = _load(organization_id)
    if not can_edit_organization(current_user, organization):
        abort(403)
    form = EditOrganizationForm(obj=organization)
    _prepare(form, owner_id=organization.owner_id)
    conflict: list[dict[str, Any]] | None = None
    if form.validate_on_submit():
        data = form.to_data()
        try:
            update_organization(
                organization, data, by=current_user, expected_version=form.expected_version
            )
        except DuplicateVatNumberError as exc:
            _vat_error(form, exc.existing)
        except OrganizationConflictError as exc:
            if exc.current is None:
                flash(_("This organization was deleted while you were editing it."), "warning")
                return redirect(url_for(".index"))
            organization = exc.current
            conflict = _differences(data, organization)
            # The next save, after reviewing, is made against the version shown now.
            form.version.data = str(organization.version)
        else:
            flash(_("Organization “%(name)s” saved.", name=organization.display_name), "success")
            _coordinates_note(organization, data)
            return redirect(url_for(".detail", organization_id=organization.id))
    return render_template(
        "organizations/form.html",
        form=form,
        organization=organization,
        conflict=conflict,
        conflict_fields={row["field"]: row for row in conflict or []},
    )


# --- Delete ---------------------------------------------------------------------------------------


@bp.route("/<int:organization_id>/delete", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def delete(organization_id: int) -> str | Response:
    """GET asks for confirmation; POST deletes."""
    organization = _load(organization_id, selectinload(Organization.contacts))
    if request.method == "POST":
        name = organization.display_name
        delete_organization(organization, by=current_user)
        flash(_("Organization “%(name)s” deleted.", name=name), "success")
        return redirect(url_for(".index"))
    return render_template("organizations/delete.html", organization=organization)


# --- Helpers --------------------------------------------------------------------------------------


def _load(organization_id: int, *options: Any) -> Organization:
    stmt = (
        select(Organization)
        .where(Organization.id == organization_id)
        .options(selectinload(Organization.owner), selectinload(Organization.tags), *options)
    )
    organization = db.session.scalars(stmt).first()
    if organization is None:
        abort(404)
    return organization


def _prepare(form: OrganizationForm, *, owner_id: int | None) -> None:
    """Choices from the database; only coordinators see (and may send) the owner field."""
    if not current_user.is_coordinator:
        del form.owner_id
    form.set_dynamic_choices(owners=owner_candidates(include_id=owner_id), locale=_locale())


def _vat_error(form: OrganizationForm, existing: Organization) -> None:
    link = Markup('<a href="{}">{}</a>').format(
        url_for(".detail", organization_id=existing.id), existing.display_name
    )
    message = Markup("{} {}").format(_("This Partita IVA is already registered for:"), link)
    form.vat_number.errors = [*form.vat_number.errors, message]


def _coordinates_note(organization: Organization, data: dict[str, Any]) -> None:
    if used_comune_centre(organization, data):
        flash(
            _(
                "No coordinates were given: the centre of %(comune)s is used for the map and the "
                "visit planning. Enter the exact position when you know it.",
                comune=comune_name(organization.comune_code),
            ),
            "info",
        )


def _current_values(organization: Organization) -> dict[str, Any]:
    values = {name: getattr(organization, name) for name in DATA_FIELDS if name != "tags"}
    values["tags"] = [t.name for t in organization.tags]
    return values


def _differences(mine: dict[str, Any], organization: Organization) -> list[dict[str, Any]]:
    """The fields where the user's input differs from what is saved now, for the conflict view."""
    current = _current_values(organization)
    owners = _users_by_id({mine.get("owner_id"), current.get("owner_id")})
    rows = []
    for name in DATA_FIELDS:
        if name not in mine:
            continue
        if _comparable(name, mine[name]) == _comparable(name, current[name]):
            continue
        rows.append(
            {
                "field": name,
                "label": FIELD_LABELS[name],
                "mine": _display(name, mine[name], owners),
                "current": _display(name, current[name], owners),
            }
        )
    return rows


def _comparable(name: str, value: Any) -> Any:
    if name == "tags":
        return sorted(v.casefold() for v in value or [])
    if hasattr(value, "value"):
        return value.value
    return value if value not in ("", [], {}) else None


def _users_by_id(ids: set[Any]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    return {
        u.id: u.full_name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))
    }


_ENUMS: dict[str, Any] = {
    "kind": OrganizationKind,
    "status": OrganizationStatus,
    "geo_precision": GeoPrecision,
}


def _display(name: str, value: Any, users: dict[int, str]) -> str:
    """A value as people read it, for the change history and the conflict view."""
    if value is None or value == "" or value == []:
        return "—"
    if name in _ENUMS:
        try:
            return label(_ENUMS[name](value))
        except ValueError:
            return str(value)
    if name in ("owner_id", "created_by_id"):
        return users.get(value, f"#{value}")
    if name == "comune_code":
        return comune_name(value)
    if name in ("phone", "phone2"):
        return display_phone(value)
    if name == "law68_subject":
        return _("Yes") if value else _("No")
    if name == "opening_hours" and isinstance(value, dict):
        days = [
            f"{WEEKDAY_LABELS[d]} {format_day_hours(value.get(d))}" for d in WEEKDAYS if value.get(d)
        ]
        return "; ".join(days) or _("Closed")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _describe_history(entries: list[Any]) -> list[dict[str, Any]]:
    """Change log rows with field labels and readable values (one query for the users named)."""
    user_ids: set[Any] = set()
    for entry in entries:
        for name in ("owner_id", "created_by_id"):
            change = (entry.changes or {}).get(name)
            if change:
                user_ids.update(change)
    users = _users_by_id(user_ids)
    described = []
    for entry in entries:
        changes = []
        for name, change in (entry.changes or {}).items():
            field_label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
            if change is None:  # redacted
                changes.append({"label": field_label, "old": "…", "new": "…"})
            else:
                old, new = change
                changes.append(
                    {
                        "label": field_label,
                        "old": _display(name, old, users),
                        "new": _display(name, new, users),
                    }
                )
        described.append(
            {"entry": entry, "action": entry.action.value, "user": entry.user, "changes": changes}
        )
    return described
