"""`flask --app crm organizations rank --format csv`: cells a spreadsheet would run stay inert."""

from __future__ import annotations

import csv
import io


def test_rank_csv_neutralises_formulas(runner, office, org):
    """A name starting with = + - @ gets a leading apostrophe; numbers and plain names are kept."""
    org(legal_name='=HYPERLINK("http://evil.example","x")', employees=40)
    org(legal_name="@SUM(A1:A9)", employees=30)
    org(legal_name="-2+3 S.r.l.", employees=20)
    org(legal_name="+cmd|' /C calc'!A0", employees=10)
    org(legal_name="Normale S.r.l.", employees=5)
    out = runner.invoke(args=["organizations", "rank", "--format", "csv", "--top", "0"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    names = {r["name"] for r in rows}
    assert names == {
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(A1:A9)",
        "'-2+3 S.r.l.",
        "'+cmd|' /C calc'!A0",
        "Normale S.r.l.",
    }
    for row in rows:
        # The numbers stay numbers (a spreadsheet can still sort by score).
        float(row["score"])
        int(row["rank"])
        assert not row["reasons"].startswith(("=", "+", "-", "@"))


def test_rank_json_is_not_altered(runner, office, org):
    """Only CSV is neutralised: JSON carries the name as typed."""
    import json

    org(legal_name="=1+1", employees=40)
    data = json.loads(runner.invoke(args=["organizations", "rank", "--format", "json"]).output)
    assert data["organizations"][0]["name"] == "=1+1"
