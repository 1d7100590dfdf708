"""``python -m crm.security.audit_deps``: pip-audit for ``make lint``, honest about being offline.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about every installed package. When
that service cannot be reached, or answers nothing for any package (a mirror without the API), the
audit did not happen: this prints a warning and exits 0, so linting works offline, unless
``CRM_REQUIRE_PIP_AUDIT=1`` (a machine that must have the network) turns that into a failure.
Known vulnerabilities always fail (exit 1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # pip-audit, fixed arguments
import sys
from typing import Any


def summarise(report: dict[str, Any]) -> tuple[list[str], int, int]:
    """(vulnerability lines, packages audited, packages skipped) of a ``pip-audit -f json`` report."""
    vulnerable: list[str] = []
    audited = skipped = 0
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped += 1
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            vulnerable.append(f"{dep['name']} {dep.get('version')}: {vuln.get('id')} (fixed in: {fixes})")
    return vulnerable, audited, skipped


def main() -> int:
    strict = os.environ.get("CRM_REQUIRE_PIP_AUDIT") == "1"
    executable = shutil.which("pip-audit", path=os.path.dirname(sys.executable)) or shutil.which("pip-audit")
    if executable is None:
        print("pip-audit is not installed (pip install -e '.[dev]').", file=sys.stderr)
        return 1
    completed = subprocess.run(  # noqa: S603  # nosec B603
        [executable, "--format", "json", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        reason = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return _offline(f"pip-audit could not run its audit ({reason})", strict)
    vulnerable, audited, skipped = summarise(report)
    if vulnerable:
        print("pip-audit: known vulnerabilities:", *vulnerable, sep="\n  ", file=sys.stderr)
        return 1
    if audited == 0:
        return _offline(f"pip-audit could not look up any of the {skipped} packages (no access to the "
                        "vulnerability database?)", strict)
    print(f"pip-audit: {audited} packages audited, no known vulnerabilities ({skipped} not on PyPI).")
    return 0


def _offline(message: str, strict: bool) -> int:
    print(f"WARNING: {message}: the dependency audit was SKIPPED.", file=sys.stderr)
    return 1 if strict else 0


if __name__ == "__main__":
    sys.exit(main())
