"""``flask --app crm jobs …``: run an RQ worker, list jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs (RQ worker, list).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for jobs.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child.")
@click.option("--name", help="Worker name shown by `rq info` (default: host and pid).")
def worker_command(burst: bool, simple: bool, name: str | None) -> None:
    """Process the background jobs queued in Redis (needs CRM_REDIS_URL)."""
    from crm.jobs.worker import make_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        worker = make_worker(app, simple=simple, name=name)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"RQ worker on queue {app.config.get('JOBS_QUEUE', 'crm')!r}")
    worker.work(burst=burst, with_scheduler=False)


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """Print the latest jobs: id, kind, status, progress, created."""
    from sqlalchemy import select

    from crm.extensions import db
    from crm.jobs.models import BackgroundJob

    jobs = db.session.scalars(select(BackgroundJob).order_by(BackgroundJob.id.desc()).limit(limit))
    for job in jobs:
        click.echo(
            f"{job.id}\t{job.kind}\t{job.status.value}\t{job.progress}%\t{job.backend}\t"
            f"{job.created_at:%Y-%m-%d %H:%M}"
        )
