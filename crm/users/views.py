"""Staff accounts: administrators create, change and deactivate them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.auth.models import Role, User
from crm.auth.services import AccountError
from crm.extensions import db
from crm.permissions import role_required
from crm.users.forms import UserCreateForm, UserEditForm
from crm.users.services import SelfLockoutError, create_account, list_users, update_user

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> str:
    return render_template("users/index.html", users=list_users())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create() -> str | Response:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = create_account(
                form.email.data or "",
                form.full_name.data or "",
                form.password.data or "",
                Role(form.role.data),
                locale=form.locale.data or "it",
                office_id=form.office_id.data,
            )
        except AccountError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if not form.is_submitted():
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            update_user(user, form.data, by=current_user._get_current_object())
        except SelfLockoutError as exc:
            getattr(form, exc.field).errors = [str(exc)]
        except AccountError as exc:
            form.new_password.errors = [str(exc)]
        else:
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=user)
