"""CLI commands: `flask demo`, `flask scheduler`, `flask jobs`, `flask advice`, `flask backup`."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from . import demo_bulk
from .jobs import JOBS, run_scheduler


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
        from . import demo as demo_service

        if app.config.get("ENV_NAME", "development") not in {"development", "test"}:
            raise click.UsageError(
                "De demo wordt nooit in een productiedatabase geladen (APP_ENV is niet "
                "development). Begin leeg: zie docs/aan-de-slag.md."
            )
        if demo_service.load(seed=seed):
            click.echo(
                "Demogegevens geladen. Wachtwoord van alle demogebruikers: "
                f"{demo_service.DEMO_PASSWORD}"
            )
        else:
            click.echo("Er staan al gegevens in de database; demo niet opnieuw geladen.")

    @demo.command("generate")
    @click.option("--cases", "count", type=click.IntRange(1, 1_000_000), required=True,
                  help="Number of cases to add.")  # fmt: skip
    @click.option("--seed", default=1, show_default=True, help="Seed of the generator.")
    def demo_generate(count: int, seed: int) -> None:
        """Add COUNT realistic cases over the demo municipalities (bulk inserts)."""
        if app.config.get("ENV_NAME", "development") not in {"development", "test"}:
            raise click.UsageError("Demozaken worden nooit in een productiedatabase gemaakt.")
        started = time.perf_counter()
        try:
            totals = demo_bulk.generate(count, seed=seed)
        except demo_bulk.NotLoadedError as exc:
            raise click.UsageError(str(exc)) from exc
        rows = ", ".join(f"{table}: {n}" for table, n in totals.items() if n)
        click.echo(f"{count} zaken toegevoegd in {time.perf_counter() - started:.1f} s ({rows}).")

    app.cli.add_command(demo)

    jobs = AppGroup("jobs", help="Geplande taken.")

    @jobs.command("list")
    def jobs_list() -> None:
        """List the registered jobs and their schedules."""
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
        from .services.legitimacy import assessment

        ids = None
        if cbs_code:
            found = db.session.scalar(select(Municipality.id).filter_by(cbs_code=cbs_code))
            if found is None:
                raise click.UsageError(f"Onbekende gemeente '{cbs_code}'.")
            ids = [found]
        count = assessment.recompute_open(ids, "herberekend via de opdrachtregel")
        click.echo(f"{count} open zaak/zaken met gegevens herberekend.")

    app.cli.add_command(advice)

    account = AppGroup("account", help="Accounts.")

    @account.command("link")
    @click.argument("username")
    def account_link(username: str) -> None:
        """Print a fresh one-time link for USERNAME (e.g. before a mail server is set up)."""
        from .services.onboarding import accounts

        try:
            url = accounts.link_for_operator(username)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from exc
        click.echo(
            f"Eenmalige link (72 uur geldig) voor {username}; geef hem alleen aan hem of haar:"
        )
        click.echo(url)

    app.cli.add_command(account)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Write a backup of the whole database, documents included, to PATH."""
        from .services import backup

        try:
            report = backup.create(path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(
                f"Kan de back-up niet schrijven naar {path}: {exc.strerror or exc}."
            ) from exc
        click.echo(
            f"Back-up gemaakt: {path} ({report.total} rijen in {len(report.rows)} tabellen, "
            f"{report.files} bestand(en), databaseversie {report.revision})."
        )

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_command(path: Path) -> None:
        """Restore the backup at PATH into this new, empty database (one transaction)."""
        from .services import backup

        try:
            report = backup.restore(path)
        except backup.BackupError as exc:
            raise click.ClickException(f"Niets teruggezet: {exc}") from exc
        click.echo(
            f"Teruggezet: {report.total} rijen in {len(report.rows)} tabellen, "
            f"{report.files} bestand(en) gecontroleerd (databaseversie {report.revision})."
        )

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Run the jobs while this process holds the scheduler lease; stop with Ctrl+C."""
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        click.echo(
            "Planner gestart: voert de taken uit zolang hij de lease heeft "
            "(een tweede planner wacht). Stop met Ctrl+C."
        )
        run_scheduler(app, stop)
        click.echo("Planner gestopt; de lease is vrijgegeven.")
