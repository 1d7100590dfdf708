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


def can_edit_organization(user: Any, organization: Any) -> bool:
    """Coordinators edit every organization; operators the ones they own."""
    return bool(user.is_coordinator or organization.owner_id == user.id)


def can_edit_interaction(user: Any, interaction: Any) -> bool:
    """An interaction belongs to whoever logged it; coordinators may correct anyone's."""
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


def install_login_wall(app: Any) -> None:
    """Secure by default: a new route is private unless someone adds it to PUBLIC_ENDPOINTS."""
    from flask import request

    from crm.extensions import login_manager

    @app.before_request
    def _require_login() -> Any:
        if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
