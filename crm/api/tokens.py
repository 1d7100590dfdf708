"""Token management on the profile page (session-authenticated pages, not part of the API)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.api.forms import SCOPE_LABELS, TokenForm
from crm.api.models import ApiToken, TokenScope
from crm.api.services import TokenError, create_token, may_use_api, revoke_token, tokens_of
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.services import local_timezone

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/api-tokens")


def token_section(user: Any, form: TokenForm | None = None) -> dict[str, Any]:
    """What the profile page needs to show the user's tokens (nothing for accounts without API)."""
    if not may_use_api(user):
        return {"api_tokens": None}
    return {
        "api_tokens": tokens_of(user),
        "token_form": form or TokenForm(formdata=None),
        "token_scope_labels": SCOPE_LABELS,
        "now": utcnow(),
    }


@bp.route("/", methods=["POST"])
def create() -> str | Response:
    if not may_use_api(current_user):
        abort(403)
    form = TokenForm()
    if form.validate_on_submit():
        expires_at = None
        if form.expires_on.data is not None:
            # The end of the chosen day in Florence.
            expires_at = datetime.combine(form.expires_on.data, time(23, 59, 59), local_timezone())
        try:
            issued = create_token(
                current_user,
                name=form.name.data or "",
                scope=TokenScope(form.scope.data),
                expires_at=expires_at,
            )
        except TokenError:
            flash(_("You have too many active tokens: revoke one you no longer use."), "danger")
        else:
            # The secret is shown on this page only: never flashed (the session cookie is signed,
            # not encrypted) and never stored.
            return render_template(
                "api/token_created.html", token=issued.token, secret=issued.secret, scope_labels=SCOPE_LABELS
            )
    from crm.auth.forms import ProfileForm

    return render_template(
        "auth/profile.html", form=ProfileForm(obj=current_user), **token_section(current_user, form)
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int) -> Response:
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)  # someone else's token: do not even confirm it exists
    try:
        revoke_token(token, by=current_user)
    except TokenError:
        abort(404)
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.profile") + "#api-tokens")
