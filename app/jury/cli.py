"""`flask jury ...` commands."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.contest.models import Contest
from app.extensions import db
from app.jury import bp
from app.jury.services import is_intact
from app.jury.services.prizes import publications_of

bp.cli.short_help = "Jury rounds and published results."


@bp.cli.command("verify-results")
@click.argument("slug")
def verify_results_command(slug: str):
    """Check that each published version of a contest's results still hashes to its SHA-256 (exit 1 if not)."""
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise click.ClickException(f"No contest {slug!r}. See: flask contest list")
    publications = publications_of(contest)
    if not publications:
        click.echo(f"{slug}: no results published yet.")
        return
    broken = 0
    for publication in reversed(publications):
        intact = is_intact(publication)
        broken += not intact
        state = "ok" if intact else "MISMATCH: the stored text no longer hashes to the published SHA-256"
        click.echo(f"v{publication.version} {publication.published_at:%Y-%m-%d %H:%M} UTC {publication.sha256} {state}")
    if broken:
        click.get_current_context().exit(1)
