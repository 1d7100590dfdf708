"""Offices: coordinators and administrators keep the list of the hub's desks."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from crm.auth.models import Role
from crm.extensions import db
from crm.offices.forms import OfficeForm
from crm.offices.models import Office
from crm.offices.services import (
    FIELDS,
    OfficeError,
    create_office,
    delete_office,
    list_offices,
    update_office,
)
from crm.permissions import role_required

bp = Blueprint("offices", __name__, url_prefix="/offices")


def _form_data(form: OfficeForm) -> dict[str, object]:
    return {key: getattr(form, key).data for key in FIELDS}


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    return render_template("offices/index.html", offices=list_offices())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def create() -> str | Response:
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = create_office(_form_data(form))
        except OfficeError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Office %(name)s created.", name=office.name), "success")
            return redirect(url_for("offices.index"))
    return render_template("offices/form.html", form=form, office=None)


@bp.route("/<int:office_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit(office_id: int) -> str | Response:
    office = db.get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            update_office(office, _form_data(form))
        except OfficeError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Office %(name)s saved.", name=office.name), "success")
            return redirect(url_for("offices.index"))
    return render_template("offices/form.html", form=form, office=office)


@bp.route("/<int:office_id>/delete", methods=["POST"])
@role_required(Role.COORDINATOR)
def delete(office_id: int) -> Response:
    office = db.get_or_404(Office, office_id)
    name = office.name
    try:
        delete_office(office)
    except OfficeError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Office %(name)s deleted.", name=name), "success")
    return redirect(url_for("offices.index"))
