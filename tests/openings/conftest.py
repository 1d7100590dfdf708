"""The candidates' builders serve the openings' tests too."""

from tests.candidates.conftest import make_candidate, organization, skills  # noqa: F401
