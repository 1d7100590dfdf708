"""``flask --app crm duplicates find``."""

from __future__ import annotations

from .conftest import EMPOLI


def test_find_prints_pairs_with_scores_and_reasons(runner, make_org):
    """The command lists each pair with its score and reasons, then the count."""
    a = make_org(legal_name="Rossi S.r.l.")
    b = make_org(legal_name="ROSSI SRL", phone="+390551234567")
    make_org(legal_name="Alfa", comune_code=EMPOLI, phone="+390571000001")
    make_org(legal_name="Beta", comune_code=EMPOLI, phone="+390571000001")
    result = runner.invoke(args=["duplicates", "find"])
    assert result.exit_code == 0, result.output
    assert f"#{a.id} Rossi S.r.l. (Firenze)  <->  #{b.id} ROSSI SRL (Firenze)" in result.output
    assert "names 100 % similar in Firenze" in result.output
    assert "same phone 0571 000001" in result.output
    assert "2 candidate pairs" in result.output


def test_find_limit_and_comune(runner, make_org):
    """--limit shortens the list, --comune keeps the pairs touching that comune."""
    make_org(legal_name="Rossi S.r.l.")
    make_org(legal_name="ROSSI SRL")
    make_org(legal_name="Alfa", comune_code=EMPOLI, phone="+390571000001")
    make_org(legal_name="Beta", comune_code=EMPOLI, phone="+390571000001")
    result = runner.invoke(args=["duplicates", "find", "--limit", "1"])
    assert result.exit_code == 0
    assert "2 candidate pairs, 1 shown" in result.output
    result = runner.invoke(args=["duplicates", "find", "--comune", "empoli"])
    assert result.exit_code == 0
    assert "Alfa" in result.output and "Rossi" not in result.output
    assert "1 candidate pairs" in result.output
    result = runner.invoke(args=["duplicates", "find", "--comune", "Atlantide"])
    assert result.exit_code != 0 and "unknown comune" in result.output
