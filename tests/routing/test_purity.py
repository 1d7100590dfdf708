"""The routing library must not depend on the web application."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_routing_does_not_load_flask_sqlalchemy_or_crm() -> None:
    """Importing every routing module loads neither flask, sqlalchemy nor crm."""
    code = (
        "import sys, routing, routing.solver, routing.replan, routing.io, routing.cli\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in {'flask', 'sqlalchemy', 'crm'})\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == ""


def test_import_routing_is_lazy_about_ortools() -> None:
    """Importing the package (model, checker) does not load OR-Tools until solve is used."""
    code = (
        "import sys, routing\nprint('ortools' in sys.modules)\n"
        "routing.solve\nprint('ortools' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.split() == ["False", "True"]
