"""The planning fixtures of tests/visits (organizations with locations and hours, field staff)."""

from tests.visits.conftest import (  # noqa: F401 - fixtures, reused as they are
    _english_interface,
    _plan_settings,
    field_staff,
    make_org,
    make_request,
    office,
    orgs,
)
