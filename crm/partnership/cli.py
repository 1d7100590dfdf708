"""``flask --app crm partnership …``: notifications for referrers."""

from __future__ import annotations

import click

from crm.partnership.views import bp


@bp.cli.command("notify")
@click.option("--digest", is_flag=True, help="Send the daily digest to referrers who chose it.")
def notify_command(digest: bool) -> None:
    """Record what happened to referred people and e-mail their social workers (a link, no personal data)."""
    from crm.partnership.mail import MailError
    from crm.partnership.notifications import collect_events, send_notifications

    new = collect_events()
    try:
        report = send_notifications(digest=digest)
    except MailError as exc:
        raise click.ClickException(f"{new} new notifications recorded; e-mail not sent: {exc}") from exc
    click.echo(
        f"{new} new notifications; {report.emails} e-mails sent for {report.notifications}; "
        f"{report.skipped} without e-mail."
    )
