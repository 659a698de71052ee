"""`flask contest ...` commands."""

from __future__ import annotations

import click

from app.contest import bp, services
from app.contest.seed import seed_first_contest
from app.extensions import db

bp.cli.short_help = "Manage contests."


@bp.cli.command("seed")
def seed_command():
    """Create the first contest, Happy Nghe An 2025, unless it already exists."""
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
            f"{contest.submissions_open_at:%Y-%m-%d} .. {contest.submissions_close_at:%Y-%m-%d}  {contest.name_en}"
        )
