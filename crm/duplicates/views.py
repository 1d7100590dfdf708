"""Duplicate pages (coordinators and administrators): candidate pairs, "not a duplicate", compare and
merge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from werkzeug.wrappers import Response

from crm.auth.models import Role
from crm.duplicates.forms import (
    GROUP_LABELS,
    SIDES,
    DuplicateFilterForm,
    MergeRow,
    merge_form_class,
    merge_rows,
    reason_text,
)
from crm.duplicates.services import (
    DuplicateFilters,
    MergeConflictError,
    MergeError,
    default_choices,
    dismiss_pair,
    find_duplicates,
    load_for_merge,
    merge_organizations,
    merged_notes,
    possible_duplicates_count,
    related_counts,
    summaries,
)
from crm.extensions import db
from crm.labels import label
from crm.organizations.forms import WEEKDAY_LABELS, WEEKDAYS, format_day_hours
from crm.organizations.models import Organization
from crm.permissions import role_required
from crm.phones import display_phone
from crm.reference.places import comune_name

bp = Blueprint("duplicates", __name__, url_prefix="/duplicates")

MAX_PER_PAGE = 100


class ListPagination(Pagination):
    """Flask-SQLAlchemy's pagination over a list already in memory (the pairs are computed, not
    queried), so the shared pagination partial works unchanged."""

    def _query_items(self) -> list[Any]:
        items: list[Any] = self._query_args["items"]
        return items[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


# --- List -----------------------------------------------------------------------------------------


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    form = DuplicateFilterForm(request.args)
    form.validate()
    organization_id = form.organization_id.data if not form.organization_id.errors else None
    focus = db.session.get(Organization, organization_id) if organization_id else None
    filters = DuplicateFilters(
        group=form.group(),
        comune_code=form.comune_code(),
        organization_id=focus.id if focus else None,
    )
    pairs = find_duplicates(filters)
    per_page = request.args.get("per_page", current_app.config["ITEMS_PER_PAGE"], type=int)
    pagination = ListPagination(
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=min(max(per_page or 1, 1), MAX_PER_PAGE),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        items=pairs,
    )
    found = summaries(i for pair in pagination.items for i in pair.ids)
    rows = [
        {
            "pair": pair,
            "first": found[pair.first_id],
            "second": found[pair.second_id],
            "reasons": [reason_text(r) for r in pair.reasons],
        }
        for pair in pagination.items
        if pair.first_id in found and pair.second_id in found
    ]
    return render_template(
        "duplicates/index.html",
        form=form,
        rows=rows,
        pagination=pagination,
        focus=focus,
        group_labels=GROUP_LABELS,
    )


@bp.route("/dismiss/<int:first_id>/<int:second_id>", methods=["POST"])
@role_required(Role.COORDINATOR)
def dismiss(first_id: int, second_id: int) -> Response:
    try:
        dismiss_pair(first_id, second_id, by=current_user)
    except MergeError:
        abort(404)
    flash(_("Marked as not a duplicate: the pair will not be proposed again."), "success")
    return redirect(_safe_next(request.form.get("next")) or url_for(".index"))


def _safe_next(target: str | None) -> str | None:
    """Only a path of this list (with its filters) is a place to go back to."""
    if target and target.startswith(bp.url_prefix or "/duplicates") and "//" not in target:
        return target
    return None


# --- Compare and merge ----------------------------------------------------------------------------


@bp.route("/merge/<int:first_id>/<int:second_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def merge(first_id: int, second_id: int) -> str | Response:
    """GET compares the two organizations field by field; POST merges them as chosen."""
    if first_id == second_id:
        abort(404)
    orgs = {"first": load_for_merge(first_id), "second": load_for_merge(second_id)}
    if orgs["first"] is None or orgs["second"] is None:
        if request.method == "POST":
            flash(_("One of the two organizations no longer exists: nothing was merged."), "warning")
            return redirect(url_for(".index"))
        abort(404)
    first: Organization = orgs["first"]
    second: Organization = orgs["second"]
    rows = merge_rows()
    form = merge_form_class(rows)()
    if form.validate_on_submit():
        keep = form.survivor.data
        drop = "second" if keep == "first" else "first"
        survivor, other = orgs[keep], orgs[drop]
        chosen: dict[str, Any] = {}
        for row in rows:
            source = orgs[form.choice(row)]
            for attribute in row.attributes:
                chosen[attribute] = getattr(source, attribute)
        name = other.display_name
        try:
            merge_organizations(
                survivor,
                other,
                chosen,
                by=current_user,
                expected_versions=(form.version(keep), form.version(drop)),
            )
        except MergeConflictError:
            flash(
                _(
                    "One of the two organizations was changed by someone else after you opened the "
                    "comparison. It has been reloaded: check the values and merge again."
                ),
                "warning",
            )
            return redirect(url_for(".merge", first_id=first_id, second_id=second_id))
        except MergeError:
            flash(_("The organizations could not be merged: nothing was changed."), "danger")
            return redirect(url_for(".merge", first_id=first_id, second_id=second_id))
        flash(
            _("“%(other)s” was merged into “%(name)s”.", other=name, name=survivor.display_name),
            "success",
        )
        return redirect(url_for("organizations.detail", organization_id=survivor.id))

    counts = {side: related_counts(org) for side, org in orgs.items()}
    default_keep = _default_survivor(first, second, counts)
    if request.method == "GET":
        form.survivor.data = default_keep
        form.first_version.data = str(first.version)
        form.second_version.data = str(second.version)
        _set_defaults(form, rows, orgs, default_keep)
    return render_template(
        "duplicates/merge.html",
        form=form,
        first=first,
        second=second,
        counts=counts,
        rows=_comparison(rows, first, second),
        defaults={side: _row_defaults(rows, orgs, side) for side in SIDES},
        notes={
            "first": merged_notes(first, second),
            "second": merged_notes(second, first),
        },
        all_tags=sorted({t.name for t in (*first.tags, *second.tags)}, key=str.casefold),
        # Per survivor, how many of the other's tags it does not have yet.
        new_tags={
            "first": len({t.id for t in second.tags} - {t.id for t in first.tags}),
            "second": len({t.id for t in first.tags} - {t.id for t in second.tags}),
        },
    )


def _default_survivor(first: Organization, second: Organization, counts: dict[str, Any]) -> str:
    """The organization with more history is kept by default; on a tie, the older record."""

    def weight(side: str) -> int:
        c = counts[side]
        return int(c.contacts + c.interactions + c.follow_ups)

    if weight("first") != weight("second"):
        return "first" if weight("first") > weight("second") else "second"
    return "first" if (first.created_at, first.id) <= (second.created_at, second.id) else "second"


def _row_defaults(
    rows: list[MergeRow], orgs: dict[str, Organization], keep: str
) -> dict[str, str]:
    """Per row, the side whose value is kept when ``keep`` survives."""
    drop = "second" if keep == "first" else "first"
    choices = default_choices(orgs[keep], orgs[drop])
    return {
        row.name: keep if choices[row.attributes[0]] == "survivor" else drop for row in rows
    }


def _set_defaults(form: Any, rows: list[MergeRow], orgs: dict[str, Organization], keep: str) -> None:
    for name, side in _row_defaults(rows, orgs, keep).items():
        form[f"field_{name}"].data = side


def _comparison(rows: list[MergeRow], first: Organization, second: Organization) -> list[dict[str, Any]]:
    result = []
    for row in rows:
        a, b = display_value(row, first), display_value(row, second)
        result.append({"row": row, "first": a, "second": b, "same": a == b})
    return result


def display_value(row: MergeRow, org: Organization) -> str:
    """A row's value as people read it."""
    if row.name == "position":
        if org.latitude is None or org.longitude is None:
            return "—"
        precision = f" ({label(org.geo_precision)})" if org.geo_precision else ""
        return f"{org.latitude:.5f}, {org.longitude:.5f}{precision}"
    name = row.attributes[0]
    value = getattr(org, name)
    if value is None or value == "" or value == {}:
        return "—"
    if name == "owner_id":
        return org.owner.full_name if org.owner else f"#{value}"
    if name == "comune_code":
        return comune_name(value)
    if name in ("phone", "phone2"):
        return display_phone(value)
    if name == "law68_subject":
        return _("Yes") if value else _("No")
    if name == "opening_hours" and isinstance(value, dict):
        days = [f"{WEEKDAY_LABELS[d]} {format_day_hours(value.get(d))}" for d in WEEKDAYS if value.get(d)]
        return "; ".join(days) or _("Closed")
    if hasattr(value, "value"):
        return label(value)
    return str(value)


# --- The hint on an organization's page ----------------------------------------------------------


@bp.app_template_global("possible_duplicates")
def possible_duplicates(organization: Organization) -> int:
    """For the organization page: how many organizations look like this one (cheap, bounded)."""
    if not (current_user.is_authenticated and current_user.is_coordinator):
        return 0
    return possible_duplicates_count(organization)
