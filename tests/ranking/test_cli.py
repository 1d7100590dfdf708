"""`flask --app crm organizations rank`: the same ranking as text, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from tests.ranking.conftest import EMPOLI


def test_rank_text(runner, office, org):
    """Text: rank, score, name and the top reasons."""
    org(legal_name="Grande S.p.A.", employees=200, law68_subject=True, law68_protected_employed=0)
    org(legal_name="Piccola S.n.c.", employees=2)
    result = runner.invoke(args=["organizations", "rank", "--top", "1", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "2 organizations ranked (Default weights, distances from Sportello Firenze)." in result.output
    assert "1." in result.output and "Grande S.p.A." in result.output and "Piccola" not in result.output


def test_rank_csv_and_json_by_comune(runner, office, org):
    """CSV and JSON carry the points per factor; --comune filters by name."""
    a = org(legal_name="Empolese S.r.l.", employees=40, comune_code=EMPOLI)
    org(legal_name="Fiorentina S.r.l.", employees=40)
    out = runner.invoke(args=["organizations", "rank", "--comune", "Empoli", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [r["name"] for r in rows] == ["Empolese S.r.l."]
    assert rows[0]["comune"] == "Empoli" and float(rows[0]["points_law68"]) > 0
    data = json.loads(runner.invoke(args=["organizations", "rank", "--format", "json", "--top", "0"]).output)
    assert data["settings_version"] == 0 and len(data["organizations"]) == 2
    first = next(o for o in data["organizations"] if o["id"] == a.id)
    assert {r["factor"] for r in first["reasons"]} >= {"law68", "sector", "distance"}


def test_rank_bad_options(runner, office):
    """An unknown comune or office is a usage error, not a traceback."""
    bad = runner.invoke(args=["organizations", "rank", "--comune", "Atlantide"])
    assert bad.exit_code == 2 and "unknown comune" in bad.output
    no_office = runner.invoke(args=["organizations", "rank", "--office", "999"])
    assert no_office.exit_code == 2


def test_rank_speaks_the_hubs_language_by_default(runner, office, org):
    """Without --language the reasons are in the hub's language (Italian)."""
    org(employees=40, law68_subject=True, law68_protected_employed=0)
    result = runner.invoke(args=["organizations", "rank"])
    assert result.exit_code == 0, result.output
    assert "1 organizzazione in graduatoria" in result.output
    assert "Quota Legge 68 scoperta: 2 posti" in result.output
