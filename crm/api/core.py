"""The API's frame: the flask-smorest ``Api``, token authentication, JSON errors, pagination and the
bridge that validates JSON through the screens' own forms.

Every API blueprint is made by :func:`make_blueprint`, which gives it the token check (so a new
endpoint cannot forget it), the scope check (writes need a ``write`` token) and JSON errors.
"""

from __future__ import annotations

import enum
import http
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, NoReturn

import marshmallow as ma
from flask import Flask, g, jsonify, request, url_for
from flask_smorest import Api, Blueprint
from flask_smorest import abort as smorest_abort
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from crm.api.models import ApiToken
from crm.api.services import find_usable_token, may_use_api
from crm.extensions import db

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500)

#: Names of the blueprints whose routes authenticate by token (see ``crm.permissions``).
TOKEN_BLUEPRINTS: set[str] = set()


# --- Errors ---------------------------------------------------------------------------------------


class ErrorSchema(ma.Schema):
    """Every error the API answers: a stable code for programs, a message for people."""

    error = ma.fields.String(
        required=True,
        metadata={"description": "Stable machine-readable code, e.g. not_found, validation_failed."},
    )
    message = ma.fields.String(required=True, metadata={"description": "What went wrong."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation errors: field name → messages (400 and 422 only)."},
    )


class CrmApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every HTTP error of the whole app in JSON; the pages keep their
        # own error pages (crm.errors) and the API blueprints register json_error themselves.
        return None

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any) -> None:
        """As flask-smorest's, but the documentation's tag is the resource's name (``tag``), not the
        blueprint's, which must differ from the screens' blueprint of the same feature."""
        tag = getattr(blp, "tag", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=blp.name, parameters=parameters)
        for operations in self.spec._paths.values():
            for operation in operations.values():
                if isinstance(operation, dict) and operation.get("tags") == [blp.name]:
                    operation["tags"] = [tag]
        self.spec.tag({"name": tag, "description": blp.description})


def default_code(status: int) -> str:
    """``404`` → ``not_found``: the code of an error that has no more specific one."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return phrase.lower().replace(" ", "_").replace("-", "_")


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' ``{"json": {"field": [...]}}`` and nested dicts → ``{"field": [...]}``."""
    flat: dict[str, list[str]] = {}
    if messages is None:
        return flat
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "path", "form", "headers", "view_args"):
                flat.update(_flatten(value))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
    elif isinstance(messages, list | tuple):
        if not any(isinstance(m, Mapping | list | tuple) for m in messages):
            flat[prefix or "_schema"] = [str(m) for m in messages]
        else:
            for index, item in enumerate(messages):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    payload: dict[str, Any] = {
        "error": code or default_code(status),
        "message": message or http.HTTPStatus(status).description,
    }
    if errors:
        payload["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    response = jsonify(payload)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_error(error: HTTPException) -> Response:
    """The API blueprints' handler for every HTTP error, 500 included: JSON, never a page."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or _flatten(data.get("messages")) if data else None
    message = data.get("message")
    if message is None:
        if status == 422:
            message = "Some fields are not valid."
        elif status == 400 and data:
            message = "The request body could not be read as JSON."
        else:
            message = error.description
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    if status == 422 and not data.get("error"):
        code = "validation_failed"
    else:
        code = data.get("error") or default_code(status)
    return error_response(status, code, str(message), errors=errors or None, headers=headers)


def documents_errors(blp: Blueprint, *statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the error statuses a view answers (403, 404, 409…) in the OpenAPI document, each
    with the JSON error shape (flask-smorest registers a response per status, e.g. ``NOT_FOUND``)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        for status in statuses:
            view = blp.alt_response(status, http.HTTPStatus(status).name)(view)
        return view

    return decorator


def api_abort(
    status: int, code: str, message: str, *, errors: Mapping[str, list[str]] | None = None
) -> NoReturn:
    """Stop the request with a JSON error (``code`` is the stable machine-readable part)."""
    smorest_abort(status, error=code, message=message, errors=dict(errors) if errors else None)
    raise AssertionError("unreachable")  # pragma: no cover - abort always raises


# --- Authentication -------------------------------------------------------------------------------


def current_token() -> ApiToken:
    return g.api_token  # type: ignore[no-any-return]


def authenticate_request() -> Response | None:
    """Before every API view: a valid token, an account allowed to use the API, the right scope.

    Session cookies are ignored here: the API authenticates only by token, which is also why it
    needs no CSRF protection (a browser never attaches the token by itself).
    """
    if request.method == "OPTIONS":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return error_response(
            401,
            "missing_token",
            "Send a personal access token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    token = find_usable_token(secret.strip())
    if token is None or not token.user.active:
        return error_response(
            401,
            "invalid_token",
            "The token is unknown, revoked or expired.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    if not may_use_api(token.user):
        return error_response(403, "role_not_allowed", "This account may not use the API.")
    if request.method not in SAFE_METHODS and not token.can_write:
        return error_response(
            403, "insufficient_scope", "This token is read-only: create a token with write scope."
        )
    g.api_token = token
    # Flask-Login's current_user reads g._login_user: the rest of the request (permission rules,
    # the audit trail, the access log, the language) sees the token's owner, and no session is
    # created or read.
    g._login_user = token.user
    return None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def make_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """An API blueprint under ``/api/v1``, authenticated by token, answering errors in JSON."""
    from crm.extensions import csrf

    blp = Blueprint("api_" + name, __name__, url_prefix=API_PREFIX + url_prefix, description=description)
    blp.tag = name  # type: ignore[attr-defined]
    blp.before_request(authenticate_request)
    blp.after_request(_no_store)
    blp.register_error_handler(HTTPException, json_error)
    # Handlers registered for a status code (e.g. the rate limiter's 429 page) outrank a class
    # handler: the API's own per-code handlers keep every API error in this JSON shape.
    for status in ERROR_STATUSES:
        blp.register_error_handler(status, json_error)
    # Token-authenticated, never cookie-authenticated: a forged cross-site request carries no token,
    # so CSRF tokens would protect nothing here (and API clients could not send them).
    csrf.exempt(blp)
    TOKEN_BLUEPRINTS.add(blp.name)
    return blp


def is_token_endpoint(endpoint: str | None) -> bool:
    """True for the API's own endpoints, which the login wall leaves to the token check."""
    return bool(endpoint) and endpoint.split(".", 1)[0] in TOKEN_BLUEPRINTS  # type: ignore[union-attr]


# --- Pagination -----------------------------------------------------------------------------------


class PageArgs(ma.Schema):
    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=1_000_000),
        metadata={"description": "Page number, from 1."},
    )
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page (at most {MAX_PER_PAGE})."},
    )


class LinksSchema(ma.Schema):
    self_ = ma.fields.String(required=True, data_key="self")
    first = ma.fields.String(required=True)
    last = ma.fields.String(required=True)
    prev = ma.fields.String(required=True, allow_none=True)
    next = ma.fields.String(required=True, allow_none=True)


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope of a list: ``items`` plus page, per_page, total, pages and links."""
    fields: dict[str, Any] = {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True),
        "pages": ma.fields.Integer(required=True),
        "links": ma.fields.Nested(LinksSchema, required=True),
    }
    return type(name, (ma.Schema,), fields)


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=True)
    args["page"] = str(page)
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def paginate(
    stmt: Select[Any] | Callable[..., Pagination],
    args: Mapping[str, Any],
    *,
    transform: Callable[[list[Any]], Any] | None = None,
) -> dict[str, Any]:
    """One page of ``stmt`` with the totals and links of the envelope (two queries + eager loads).

    ``stmt`` may instead make the page itself, called with ``page``, ``per_page`` and
    ``max_per_page`` (the organization list's cached pages)."""
    if isinstance(stmt, Select):
        pagination = db.paginate(
            stmt,
            page=args["page"],
            per_page=args["per_page"],
            max_per_page=MAX_PER_PAGE,
            error_out=False,
        )
    else:
        pagination = stmt(page=args["page"], per_page=args["per_page"], max_per_page=MAX_PER_PAGE)
    pages = max(pagination.pages, 1)
    items = list(pagination.items)
    return {
        "items": transform(items) if transform else items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total or 0,
        "pages": pages,
        "links": {
            "self_": _page_url(pagination.page),
            "first": _page_url(1),
            "last": _page_url(pages),
            "prev": _page_url(pagination.page - 1) if pagination.page > 1 else None,
            "next": _page_url(pagination.page + 1) if pagination.page < pages else None,
        },
    }


# --- JSON through the screens' forms ---------------------------------------------------------------


def form_value(value: Any) -> str | None:
    """A JSON value as a browser would post it (None: leave the field out)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def formdata(values: Mapping[str, Any]) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict()
    for name, value in values.items():
        # A list is a multiple choice: one value per item, as checkboxes are posted.
        for item in value if isinstance(value, list | tuple) else [value]:
            text = form_value(item)
            if text is not None:
                data.add(name, text)
    return data


def form_errors(form: FlaskForm, rename: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """The form's errors by JSON field name (``opening_hours.mon`` for a sub-form's field)."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for flat_name, messages in _flatten(form.errors).items():
        name = rename.get(flat_name, flat_name)
        errors.setdefault(name, []).extend(str(m) for m in messages)
    return errors


def validate_form(
    form_class: type[FlaskForm],
    values: Mapping[str, Any],
    *,
    prepare: Callable[[Any], None] | None = None,
    rename: Mapping[str, str] | None = None,
) -> Any:
    """Run the screen's form over ``values`` (form field → value); 422 with its errors if invalid.

    The API validates exactly as the screens do because it uses the same forms.
    """
    form = form_class(formdata=formdata(values), meta={"csrf": False})
    if prepare is not None:
        prepare(form)
    if not form.validate():
        api_abort(422, "validation_failed", "Some fields are not valid.", errors=form_errors(form, rename))
    return form


def register_api(app: Flask) -> None:
    """Configure flask-smorest, register every API blueprint and the documentation pages."""
    app.config.setdefault("API_TITLE", "Flor@Work Outreach API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Organizations, contacts, interactions, follow-ups, visit plans, visits, "
                    "candidates and openings of Flor@Work Outreach. Authenticate with a personal "
                    "access token (profile page): `Authorization: Bearer crm_…`."
                )
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "crm_…"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    )
    api = CrmApi()
    api.init_app(app)
    from crm.api.resources import BLUEPRINTS

    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    from crm.api.docs import register_docs

    register_docs(app)
