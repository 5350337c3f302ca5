"""CLI commands: `flask demo load`, `flask scheduler`, `flask jobs`, `flask advice`."""

from __future__ import annotations

import datetime as dt
import time

import click
from flask import Flask
from flask.cli import AppGroup


def parse_moment(text: str) -> dt.datetime:
    """A date or date-time in Amsterdam time, as an aware datetime."""
    from .formatting import AMSTERDAM

    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter("Gebruik JJJJ-MM-DD of JJJJ-MM-DDTUU:MM.") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value


def register_cli(app: Flask) -> None:
    """Attach the project's command groups to the app."""
    demo = AppGroup("demo", help="Demogegevens.")

    @demo.command("load")
    @click.option("--seed", default=2026, show_default=True, help="Seed of the generator.")
    def demo_load(seed: int) -> None:
        """Load the demo data once (does nothing when data exists)."""
        from .services import demo as demo_service

        if demo_service.load(seed=seed):
            click.echo(
                "Demogegevens geladen. Wachtwoord van alle demogebruikers: "
                f"{demo_service.DEMO_PASSWORD}"
            )
        else:
            click.echo("Er staan al gegevens in de database; demo niet opnieuw geladen.")

    app.cli.add_command(demo)

    jobs = AppGroup("jobs", help="Geplande taken.")

    @jobs.command("list")
    def jobs_list() -> None:
        """List the registered jobs and their schedules."""
        from .jobs import JOBS

        if not JOBS:
            click.echo("Geen taken geregistreerd.")
        for name, (_func, trigger) in sorted(JOBS.items()):
            click.echo(f"{name}\t{trigger}")

    @jobs.command("run")
    @click.argument("name")
    @click.option(
        "--now",
        "now_text",
        default=None,
        help="Run as if it were this moment (YYYY-MM-DD or YYYY-MM-DDTHH:MM, Amsterdam time).",
    )
    def jobs_run(name: str, now_text: str | None) -> None:
        """Run one job once, optionally as if it were another moment."""
        from .jobs import JOBS

        if name not in JOBS:
            raise click.UsageError(f"Onbekende taak '{name}'. Kies uit: {', '.join(sorted(JOBS))}.")
        now = parse_moment(now_text) if now_text else None
        result = JOBS[name][0](now)
        click.echo(f"{name}: {result}")

    app.cli.add_command(jobs)

    advice = AppGroup("advice", help="Rechtmatigheidsadvies.")

    @advice.command("recompute")
    @click.option("--gemeente", "cbs_code", default=None, help="Only this CBS code.")
    def advice_recompute(cbs_code: str | None) -> None:
        """Recompute the advice of open cases with data (e.g. after an upgrade)."""
        from sqlalchemy import select

        from .extensions import db
        from .models import Municipality
        from .services import legitimacy

        ids = None
        if cbs_code:
            found = db.session.scalar(select(Municipality.id).filter_by(cbs_code=cbs_code))
            if found is None:
                raise click.UsageError(f"Onbekende gemeente '{cbs_code}'.")
            ids = [found]
        count = legitimacy.recompute_open(ids, "herberekend via de opdrachtregel")
        click.echo(f"{count} open zaak/zaken met gegevens herberekend.")

    app.cli.add_command(advice)

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Run all jobs in this one process until stopped."""
        from .jobs import start_scheduler

        start_scheduler(app)
        click.echo("Planner draait; stop met Ctrl+C.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
