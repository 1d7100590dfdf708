"""The dependency audit wrapper: vulnerabilities fail, an audit that could not happen only warns."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest

from crm.security import audit_deps


def _report(*deps: dict) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


@pytest.mark.parametrize(
    ("stdout", "strict", "code", "said"),
    [
        (_report({"name": "flask", "version": "3.1", "vulns": []}), False, 0, "1 packages audited"),
        (_report({"name": "jinja2", "version": "2.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1"]}]}),
         False, 1, "GHSA-x"),
        (_report({"name": "flask", "version": "3.1", "skip_reason": "Dependency not found on PyPI"}),
         False, 0, "SKIPPED"),
        (_report({"name": "flask", "version": "3.1", "skip_reason": "Dependency not found on PyPI"}),
         True, 1, "SKIPPED"),
        ("", False, 0, "SKIPPED"),
    ],
)
def test_audit_outcomes(monkeypatch, capsys, stdout, strict, code, said):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=stdout, stderr="boom\n"))
    monkeypatch.setenv("CRM_REQUIRE_PIP_AUDIT", "1" if strict else "0")
    assert audit_deps.main() == code
    out = capsys.readouterr()
    assert said in out.out + out.err
