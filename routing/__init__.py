"""Flor@Work routing: a pure planning library for field visits (no Flask, no database).

Build a :class:`~routing.model.Problem` (stops, shifts), call :func:`~routing.solver.solve`
with a :class:`~routing.matrix.MatrixProvider`, and read the :class:`~routing.solution.Plan`.
:func:`~routing.solution.check_plan` re-checks a plan (e.g. after a manual edit) and
:func:`~routing.replan.replan` inserts urgent visits into an accepted plan.
"""

import importlib
from typing import TYPE_CHECKING, Any

from routing.matrix import (
    HaversineProvider,
    HttpRoutingProvider,
    MatrixError,
    MatrixProvider,
    ModeProfile,
    StaticMatrixProvider,
    TravelMatrices,
)
from routing.model import (
    Break,
    InvalidProblemError,
    Location,
    Objective,
    Problem,
    Shift,
    Stop,
    TimeWindow,
    TravelMode,
)
from routing.solution import (
    Plan,
    ProblemMatrices,
    Route,
    ScheduledBreak,
    Unassigned,
    UnassignedReason,
    Violation,
    Visit,
    build_plan,
    check_plan,
    schedule_route,
)

if TYPE_CHECKING:
    from routing.replan import replan
    from routing.solver import SolverSettings, solve

_LAZY = {"replan": "routing.replan", "solve": "routing.solver", "SolverSettings": "routing.solver"}


def __getattr__(name: str) -> Any:
    # The solver pulls in OR-Tools (slow to import, native code): load it on first use so
    # that importing the model or the checker stays cheap.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'routing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Break",
    "HaversineProvider",
    "HttpRoutingProvider",
    "InvalidProblemError",
    "Location",
    "MatrixError",
    "MatrixProvider",
    "ModeProfile",
    "Objective",
    "Plan",
    "Problem",
    "ProblemMatrices",
    "Route",
    "ScheduledBreak",
    "Shift",
    "SolverSettings",
    "StaticMatrixProvider",
    "Stop",
    "TimeWindow",
    "TravelMatrices",
    "TravelMode",
    "Unassigned",
    "UnassignedReason",
    "Violation",
    "Visit",
    "build_plan",
    "check_plan",
    "replan",
    "schedule_route",
    "solve",
]
