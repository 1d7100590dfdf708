"""``flask --app crm demo-data``: load a reproducible, fictional Florence dataset into an empty database."""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask.cli import with_appcontext

from crm.demo.generator import DEFAULT_SCALE, DEFAULT_SEED, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_URL, generate

MAX_SCALE = 100_000


def logins_table() -> str:
    """The demo accounts as a small text table, with the password and the address to open."""
    width = max(len(a.email) for a in DEMO_ACCOUNTS)
    lines = [
        f"Demo accounts (password: {DEMO_PASSWORD})",
        f"  {'E-mail'.ljust(width)}  {'Role'.ljust(11)}  Name",
    ]
    lines += [f"  {a.email.ljust(width)}  {a.role.value.ljust(11)}  {a.full_name}" for a in DEMO_ACCOUNTS]
    lines.append(f"Open {DEMO_URL} and log in with one of them.")
    return "\n".join(lines)


@click.command("demo-data")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--scale",
    type=click.IntRange(1, MAX_SCALE),
    default=DEFAULT_SCALE,
    show_default=True,
    help="How many organizations to generate (contacts and history grow with it).",
)
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database holds data.")
@click.option("--print-logins", is_flag=True, help="Only print the demo logins; change nothing.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    hidden=True,
    help="Pretend today is this day (for reproducible tests).",
)
@with_appcontext
def demo_data_command(
    seed: int, scale: int, if_empty: bool, print_logins: bool, today: datetime | None
) -> None:
    """Load the Florence demo data into an EMPTY database (see --if-empty)."""
    if print_logins:
        click.echo(logins_table())
        return

    from crm.demo.services import DemoDataError, database_is_empty, load_demo_data

    if not database_is_empty():
        if if_empty:
            click.echo("The database already contains data: demo data not loaded.")
            return
        raise click.ClickException(
            "The database already contains data. Demo data is only loaded into an empty database: "
            "use a new database (e.g. CRM_DATABASE_URL=sqlite:///demo.sqlite3), or pass --if-empty "
            "to skip loading when data exists."
        )
    started = time.perf_counter()
    data = generate(seed=seed, scale=scale, today=today.date() if today else None)
    generated = time.perf_counter()
    try:
        counts = load_demo_data(data)
    except DemoDataError as exc:
        raise click.ClickException(str(exc)) from exc
    finished = time.perf_counter()
    summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    click.echo(f"Loaded demo data (seed {seed}, today {data.today.isoformat()}): {summary}.")
    click.echo(f"Generated in {generated - started:.1f} s, written in {finished - generated:.1f} s.")
    click.echo("Log in with the demo accounts: flask --app crm demo-data --print-logins")
