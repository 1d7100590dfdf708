from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from crm.api.tokens import token_section
from crm.auth.forms import LoginForm, ProfileForm
from crm.auth.services import authenticate
from crm.extensions import db
from crm.security.lockout import AccountLockedError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path of this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # POSTs are rate-limited per address (crm.security.limiter wraps this view).
        try:
            user = authenticate(form.email.data or "", form.password.data or "")
        except AccountLockedError as exc:
            flash(
                ngettext(
                    "Too many wrong passwords: this account is locked for %(num)d more minute. "
                    "Try again later or ask an administrator.",
                    "Too many wrong passwords: this account is locked for %(num)d more minutes. "
                    "Try again later or ask an administrator.",
                    exc.minutes_left,
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form), 403
        if user is None:
            flash(_("Wrong e-mail or password, or the account is disabled."), "danger")
        else:
            login_user(user, remember=form.remember.data)
            session["locale"] = user.locale
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    session.pop("locale", None)
    flash(_("You have logged out."), "info")
    response = redirect(url_for("auth.login"))
    # The browser drops its HTTP and back-forward caches of this site, so Back shows no page of the
    # user. Not "storage": it would wipe field mode's unsent visit logs (localStorage); field mode's
    # Cache Storage is cleared by static/field/field.js (see docs/field-mode.md).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        if form.new_password.data:
            if not current_user.check_password(form.current_password.data or ""):
                form.current_password.errors = [_("The current password is wrong.")]
                return render_template("auth/profile.html", form=form, **token_section(current_user))
            current_user.set_password(form.new_password.data)
        current_user.full_name = form.full_name.data
        current_user.locale = form.locale.data
        session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, **token_section(current_user))
