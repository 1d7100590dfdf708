"""``/api/v1/me``: who the token belongs to and what it may do (a cheap check for clients)."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from crm.api.core import current_token, make_blueprint
from crm.api.fields import Enum
from crm.api.models import TokenScope
from crm.auth.models import Role

blp = make_blueprint("me", "/me", "The token's owner.")


class TokenOut(ma.Schema):
    name = ma.fields.String(required=True)
    prefix = ma.fields.String(required=True)
    scope = Enum(TokenScope, required=True)
    created_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True, allow_none=True)


class MeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    role = Enum(Role, required=True)
    locale = ma.fields.String(required=True)
    token = ma.fields.Nested(TokenOut, required=True)


@blp.route("")
@blp.response(200, MeOut)
def me() -> dict[str, object]:
    """The token's owner, role and the token's scope and expiry."""
    user = current_user
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "locale": user.locale,
        "token": current_token(),
    }
