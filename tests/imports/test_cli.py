"""``flask organizations import``: the summary line, the exit codes, --dry-run, --report, --as."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.audit.models import ChangeLog
from crm.extensions import db
from crm.organizations.models import Organization
from tests.organizations.helpers import valid_vat

from .conftest import write_csv

SUMMARY = re.compile(r"imported (\d+), updated (\d+), duplicates (\d+), rejected (\d+)$")


def _rows():
    bad = valid_vat(2)[:-1] + str((int(valid_vat(2)[-1]) + 1) % 10)
    return [
        ["Rossi srl", valid_vat(1), "Firenze", "50122", "12", "055 123456"],
        ["Bianchi srl", bad, "Firenze", "", "", ""],
        ["Verdi srl", valid_vat(3), "Empoli", "", "", "123"],
    ]


def _org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organization)) or 0


def test_summary_line_ends_with_the_four_counts(runner, tmp_path):
    """Exit 0 even with rejects; the last line ends with imported, updated, duplicates, rejected."""
    path = write_csv(tmp_path / "partners.csv", _rows(), header=[
        "Ragione sociale", "P.IVA", "Comune", "CAP", "Dipendenti", "Telefono"])
    result = runner.invoke(args=["organizations", "import", str(path)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert SUMMARY.search(last).groups() == ("2", "0", "0", "1")
    assert "unchanged 0; imported 2" in last
    assert "line 3: Bianchi srl: bad Partita IVA checksum" in result.output
    assert "Warnings: 1 rows" in result.output
    again = runner.invoke(args=["organizations", "import", str(path)])
    assert again.output.strip().splitlines()[-1].endswith(
        "unchanged 2; imported 0, updated 0, duplicates 0, rejected 1"
    )


def test_dry_run_writes_nothing_and_report_has_the_rejects(runner, tmp_path):
    """--dry-run saves nothing; --report writes the rejected rows with line and reason."""
    path = write_csv(tmp_path / "partners.csv", _rows())
    report = tmp_path / "rejects.csv"
    result = runner.invoke(
        args=["organizations", "import", str(path), "--dry-run", "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written" in result.output
    assert SUMMARY.search(result.output.strip().splitlines()[-1]).groups() == ("2", "0", "0", "1")
    assert _org_count() == 0
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";line;reason")
    assert len(lines) == 2 and ";3;bad Partita IVA checksum" in lines[1]


def test_as_attributes_the_history_and_unknown_user_is_an_error(runner, tmp_path, coord):
    """--as EMAIL records the changes as that user's; an unknown e-mail stops with exit code 2."""
    path = write_csv(tmp_path / "partners.csv", _rows()[:1])
    result = runner.invoke(args=["organizations", "import", str(path), "--as", coord.email.upper()])
    assert result.exit_code == 0, result.output
    entry = db.session.scalars(select(ChangeLog)).first()
    assert entry.user_id == coord.id
    wrong = runner.invoke(args=["organizations", "import", str(path), "--as", "nobody@example.org"])
    assert wrong.exit_code == 2 and "no user with e-mail" in wrong.output


def test_unreadable_unknown_format_and_nameless_files_fail_clearly(runner, tmp_path):
    """Non-zero exit with a message for a PDF, a binary file and a file without a name column."""
    pdf = tmp_path / "partners.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = runner.invoke(args=["organizations", "import", str(pdf)])
    assert result.exit_code == 1 and "Only CSV and Excel (.xlsx) files" in result.output

    binary = tmp_path / "partners.csv"
    binary.write_bytes(b"\x00\x01\x02\x03" * 10)
    result = runner.invoke(args=["organizations", "import", str(binary)])
    assert result.exit_code == 1 and "could not be read" in result.output

    nameless = write_csv(tmp_path / "nameless.csv", [["x", "y"]], header=["Fax", "Comune"])
    result = runner.invoke(args=["organizations", "import", str(nameless)])
    assert result.exit_code == 1 and "no column holds the organization's name" in result.output
    assert "Fax, Comune" in result.output

    result = runner.invoke(args=["organizations", "import", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert _org_count() == 0


def test_unmapped_columns_are_reported(runner, tmp_path):
    """Columns the import does not know are listed as ignored."""
    path = write_csv(
        tmp_path / "partners.csv",
        [["Rossi srl", "Firenze", "x", "y"]],
        header=["Denominazione", "Città", "Fax", "Codice interno"],
    )
    result = runner.invoke(args=["organizations", "import", str(path)])
    assert "Unmapped columns (ignored): Fax, Codice interno" in result.output
