"""Who may do what. Every route needs a logged-in user unless it is listed in PUBLIC_ENDPOINTS."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from crm.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints an anonymous visitor may reach. Everything else is refused before the view runs.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "static",
        "bootstrap.static",
        "main.health",
        "leaflet.static",
        "markercluster.static",
        # Calendar apps subscribe without a session: the secret per-user token in the URL is the
        # credential (stored hashed, revocable); the view answers 404 to any wrong or revoked token.
        "exports.feed",
        # The OpenAPI document describes the API and holds no data; client generators and the docs
        # page fetch it without a token. The API's own endpoints check tokens (crm.api.core).
        "api-docs.openapi_json",
        # Field mode's web app manifest and service worker: browsers fetch them without cookies (the
        # manifest) or re-check them in the background; both are fixed code and text, no user data.
        "field.manifest",
        "field.service_worker",
    }
)


def role_required(role: Role) -> Callable[[F], F]:
    """Refuse (403) users below ``role``. The role is kept on the view so tests can find it."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from crm.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def can_see_job(user: Any, job: Any) -> bool:
    """A background job's page is its author's; coordinators follow everyone's."""
    return bool(user.is_coordinator or (job.user_id is not None and job.user_id == user.id))


def can_edit_organization(user: Any, organization: Any) -> bool:
    """Coordinators edit every organization; operators the ones they own."""
    return bool(user.is_coordinator or organization.owner_id == user.id)


def can_edit_interaction(user: Any, interaction: Any) -> bool:
    """An interaction belongs to whoever logged it; coordinators may correct anyone's."""
    return bool(user.is_coordinator or interaction.user_id == user.id)


def can_log_visit(user: Any, interaction: Any) -> bool:
    """Field mode: operators log the outcome of their own visits; coordinators of anyone's."""
    return bool(user.is_coordinator or interaction.user_id == user.id)


def can_edit_follow_up(user: Any, follow_up: Any) -> bool:
    return bool(
        user.is_coordinator or follow_up.assignee_id == user.id or follow_up.created_by_id == user.id
    )


# --- Candidates (people referred by the social services) -------------------------------------------
# Admins manage accounts, not the people the hub helps: although Role.ADMIN outranks COORDINATOR in
# has_role, these rules name the roles explicitly and leave administrators out.


def can_see_candidates(user: Any) -> bool:
    """Operators and coordinators work with candidates (pseudonymous profiles); admins do not."""
    return bool(
        getattr(user, "is_authenticated", False) and user.role in (Role.OPERATOR, Role.COORDINATOR)
    )


def is_candidate_coordinator(user: Any) -> bool:
    """Coordinators see every candidate's identity and read the access log (admins do not)."""
    return bool(getattr(user, "is_authenticated", False) and user.role is Role.COORDINATOR)


def can_see_candidate_identity(user: Any, candidate: Any) -> bool:
    """Name, codice fiscale, contacts, comune: the operator who follows the person and coordinators."""
    if not can_see_candidates(user) or candidate.identity_encrypted is None:
        return False
    return bool(user.role is Role.COORDINATOR or candidate.operator_id == user.id)


def can_manage_candidate(user: Any, candidate: Any) -> bool:
    """Edit the profile, assess, move the pipeline, record placements: follower and coordinators."""
    if not can_see_candidates(user):
        return False
    return bool(user.role is Role.COORDINATOR or candidate.operator_id == user.id)


def candidate_access_required(*, coordinator: bool = False) -> Callable[[F], F]:
    """Refuse (403) admins and, with ``coordinator``, operators too.

    With ``coordinator`` the view carries ``required_role`` so the route-security walk checks it.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from crm.extensions import login_manager

                return login_manager.unauthorized()
            if coordinator:
                allowed = is_candidate_coordinator(current_user)
            else:
                allowed = can_see_candidates(current_user)
            if not allowed:
                abort(403)
            return view(*args, **kwargs)

        if coordinator:
            wrapped.required_role = Role.COORDINATOR  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


# --- Referrers (social workers outside the hub) ----------------------------------------------------
# A referrer is refused everywhere by the login wall except on the endpoints below and on views marked
# with ``referrer_view``: a new route of the hub is closed to referrers without anyone remembering to.

#: Account pages a referrer shares with staff (besides PUBLIC_ENDPOINTS).
REFERRER_ENDPOINTS = frozenset({"auth.logout", "auth.profile"})


def is_referrer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role is Role.REFERRER)


def referrer_view(view: F) -> F:
    """Mark a view as a referrer's page: referrers only (staff get 403); the login wall lets it through."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            from crm.extensions import login_manager

            return login_manager.unauthorized()
        if not is_referrer(current_user):
            abort(403)
        return view(*args, **kwargs)

    wrapped.referrer_allowed = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def referrer_may_open(app: Any, endpoint: str | None) -> bool:
    """True for the endpoints a referrer may reach: public ones, account pages, ``referrer_view`` views."""
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint in REFERRER_ENDPOINTS:
        return True
    return bool(getattr(app.view_functions.get(endpoint), "referrer_allowed", False))


def install_login_wall(app: Any) -> None:
    """Secure by default: a new route is private unless someone adds it to PUBLIC_ENDPOINTS, and
    closed to referrers unless it is one of their pages."""
    from flask import redirect, request, url_for

    from crm.extensions import login_manager

    @app.before_request
    def _require_login() -> Any:
        if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        from crm.api.core import is_token_endpoint

        if is_token_endpoint(request.endpoint):
            # The API authenticates by token only (401 JSON without one), never by the session.
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role is Role.REFERRER and not referrer_may_open(app, request.endpoint):
            if request.endpoint == "main.index" and "partnership.portal" in app.view_functions:
                # Log-in sends everyone to the home page: a referrer's home is the portal.
                return redirect(url_for("partnership.portal"))
            abort(403)
        return None
