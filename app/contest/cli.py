"""`flask contest ...` commands."""

from __future__ import annotations

import click

from app.contest import bp, services
from app.contest.seed import seed_first_contest
from app.core.timeutil import to_local
from app.extensions import db

bp.cli.short_help = "Manage contests."


@bp.cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when any contest exists.")
def seed_command(if_empty: bool):
    """Create the first contest, Happy Nghe An 2025, unless it already exists."""
    if if_empty and services.list_contests():
        click.echo("Contests already exist; nothing seeded.")
        return
    contest, created = seed_first_contest()
    db.session.commit()
    verb = "Created" if created else "Already present:"
    click.echo(f"{verb} {contest.slug} ({contest.name_en})")


@bp.cli.command("list")
def list_command():
    """List every contest with its status and whether it is current."""
    contests = services.list_contests()
    if not contests:
        click.echo("No contests yet. Run: flask contest seed")
    for contest in contests:
        marker = "*" if contest.is_current else " "
        click.echo(
            f"{marker} {contest.slug:<28} {contest.status.value:<10} "
            f"{to_local(contest.submissions_open_at, contest.timezone):%Y-%m-%d %H:%M} .. "
            f"{to_local(contest.submissions_close_at, contest.timezone):%Y-%m-%d %H:%M} {contest.timezone}  "
            f"{contest.name_en}"
        )


@bp.cli.command("open-submissions")
@click.argument("slug")
@click.option("--days", default=30, show_default=True, help="Days from today until the deadline.")
def open_submissions_command(slug: str, days: int):
    """Take entries for a contest from now for DAYS days (to try the platform or rehearse)."""
    contest = next((c for c in services.list_contests() if c.slug == slug), None)
    if contest is None:
        raise click.ClickException(f"No contest {slug!r}. See: flask contest list")
    services.reschedule_submissions(contest, days)
    db.session.commit()
    close = to_local(contest.submissions_close_at, contest.timezone)
    click.echo(f"{contest.slug} takes entries until {close:%Y-%m-%d %H:%M} {contest.timezone}")
