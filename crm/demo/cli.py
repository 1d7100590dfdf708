from __future__ import annotations

import click


@click.command("demo-data")
@click.option("--if-empty", is_flag=True)
@click.option("--print-logins", is_flag=True)
def demo_data_command(if_empty: bool, print_logins: bool) -> None:
    """Load the Florence demo data."""
