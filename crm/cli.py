"""Command-line groups, registered on the app (``flask --app crm …``)."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from crm.demo.cli import demo_data_command
    from crm.organizations.cli import organizations_cli
    from crm.users.cli import users_cli

    app.cli.add_command(demo_data_command)
    app.cli.add_command(organizations_cli)
    app.cli.add_command(users_cli)
