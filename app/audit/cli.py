"""`flask audit ...` commands."""

from __future__ import annotations

import click

from app.audit import bp
from app.audit.services import verify_chain

bp.cli.short_help = "Check the audit log."


@bp.cli.command("verify")
def verify_command():
    """Check every record's link and hash; exit 1 at the first one that does not hold."""
    result = verify_chain()
    if result.ok:
        click.echo(f"Audit chain intact: {result.count} records.")
        return
    click.echo(
        f"Audit chain BROKEN at record {result.broken_id} ({result.problem}); "
        f"{result.count} records before it are intact.",
        err=True,
    )
    raise SystemExit(1)
