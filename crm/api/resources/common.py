"""Helpers the resources share: loading by id with the API's 404, users in brief."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from sqlalchemy import select

from crm.api.core import api_abort
from crm.api.fields import MAX_ID
from crm.extensions import db


def load_or_404(model: Any, object_id: int, *options: Any) -> Any:
    """The row with this id (with ``options`` eager loads) or a JSON 404."""
    if not 0 < object_id <= MAX_ID:
        api_abort(404, "not_found", f"No {model.__tablename__.replace('_', ' ')} with id {object_id}.")
    obj = db.session.scalars(select(model).where(model.id == object_id).options(*options)).first()
    if obj is None:
        api_abort(404, "not_found", f"No {model.__tablename__.replace('_', ' ')} with id {object_id}.")
    return obj


class UserBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    full_name = ma.fields.String(required=True)


class OrganizationBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)


def forbidden(message: str = "Your role does not allow this.") -> NoReturn:
    api_abort(403, "forbidden", message)
