"""``flask --app crm organizations rank``: the outreach ranking on the command line."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from crm.organizations.services import OrganizationFilters
from crm.ranking import scoring
from crm.reference.places import comune_by_name, comune_name
from crm.security.spreadsheets import neutralise_row


@click.command("rank")
@click.option("--top", type=click.IntRange(0), default=20, show_default=True, help="How many (0: all).")
@click.option("--comune", "comune", default=None, help="Only organizations of this comune (name).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--office", "office_id", type=int, default=None, help="Measure distances from this office id.")
@click.option(
    "--language",
    type=click.Choice(["it", "en"]),
    default=None,
    help="Language of the reasons (default: the hub's, BABEL_DEFAULT_LOCALE).",
)
@with_appcontext
def rank_command(top: int, comune: str | None, fmt: str, office_id: int | None, language: str | None) -> None:
    """Print the organizations most worth approaching next, with their score and its reasons
    (the same ranking as the Outreach ranking page)."""
    from flask import current_app
    from flask_babel import force_locale

    with (
        current_app.test_request_context(),
        force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]),
    ):
        _rank(top, comune, fmt, office_id)


def _rank(top: int, comune: str | None, fmt: str, office_id: int | None) -> None:
    from crm.ranking.services import (
        build_ranking,
        current_settings,
        filtered_ids,
        ranked_rows,
        resolve_reference,
    )

    filters = OrganizationFilters()
    if comune:
        found = comune_by_name(comune)
        if found is None:
            raise click.BadParameter(f"unknown comune {comune!r}", param_hint="--comune")
        filters = OrganizationFilters(comune_code=found.istat_code)
    reference = resolve_reference(f"office:{office_id}" if office_id else None)
    if office_id and reference.key != f"office:{office_id}":
        raise click.BadParameter("no office with this id has a location", param_hint="--office")
    ranking = build_ranking(current_settings(), reference)
    indices = ranking.ordered(filtered_ids(filters))
    if top:
        indices = indices[:top]
    records = []
    batch = 500  # explain in batches: one query for the names of each
    for start in range(0, len(indices), batch):
        chunk = [int(i) for i in indices[start : start + batch]]
        rows = ranked_rows(ranking, chunk, ranks=list(range(start + 1, start + 1 + len(chunk))))
        for row, i in zip(rows, chunk, strict=False):
            records.append(_record(row, ranking.factor_points(i)))
    version = ranking.settings.version
    if fmt == "json":
        json.dump(
            {
                "settings_version": version,
                "distances_from": reference.label or None,
                "organizations": records,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        click.echo()
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "rank",
                "id",
                "name",
                "comune",
                "score",
                *(f"points_{f}" for f in scoring.FACTORS),
                "boost",
                "reasons",
            ]
        )
        for r in records:
            # CSV injection: a name or a reason typed by users may start with "=" (as in crm/exports).
            writer.writerow(
                neutralise_row(
                    [
                        r["rank"],
                        r["id"],
                        r["name"],
                        r["comune"],
                        r["score"],
                        *(r["points"][f] for f in scoring.FACTORS),
                        r["boost"],
                        " | ".join(x["text"] for x in r["reasons"]),
                    ]
                )
            )
        click.echo(out.getvalue(), nl=False)
    else:
        label = _("Weights version %(n)d", n=version) if version else _("Default weights")
        where = _("distances from %(place)s", place=reference.label) if reference.label else ""
        count = ngettext("%(num)d organization ranked", "%(num)d organizations ranked", len(ranking))
        click.echo(f"{count} ({label}{', ' + where if where else ''}).")
        for r in records:
            click.echo(f"{r['rank']:>5}. {r['score']:5.1f}  {r['name']} (#{r['id']}, {r['comune'] or '—'})")
            for reason in r["top"]:
                click.echo(f"         {reason}")


def _record(row: Any, factor_points: dict[str, float]) -> dict[str, Any]:
    org = row.organization
    boost = next((r.points for r in row.reasons if r.factor == "boost"), 0)
    return {
        "rank": row.rank,
        "id": org.id,
        "name": org.display_name,
        "comune": comune_name(org.comune_code) if org.comune_code else "",
        "score": round(row.score, 1),
        "points": {f: round(p, 1) for f, p in factor_points.items()},
        "boost": int(boost),
        "reasons": [{"factor": r.factor, "points": round(r.points, 1), "text": r.text} for r in row.reasons],
        "top": [r.text for r in row.top],
    }
