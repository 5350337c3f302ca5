"""CLI commands: `flask demo load`, `flask scheduler`, `flask jobs list`."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup


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

    app.cli.add_command(jobs)

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
