"""`flask users ...` commands."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Blueprint
from sqlalchemy import func, select

from app.auth import services
from app.auth.models import Role, User, UserRole
from app.core.errors import ValidationFailed
from app.extensions import db

cli_bp = Blueprint("users", __name__, cli_group="users")


def _echo_problems(error: ValidationFailed) -> None:
    for field, messages in error.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)


@cli_bp.cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option("--password", default=None, help="Omit to generate a one-time password.")
def create_admin_command(email: str, full_name: str, password: str | None):
    """Create an admin account; without --password a one-time password is printed once."""
    try:
        user, used_password = services.create_admin(email, full_name, password)
    except ValidationFailed as error:
        _echo_problems(error)
        raise SystemExit(1) from error
    db.session.commit()
    click.echo(f"Admin created: {user.email}")
    if password is None:
        click.echo(f"One-time password (shown once, change it at first login): {used_password}")


@cli_bp.cli.command("ensure-admin")
@click.option("--email", default="admin@localhost.localdomain", show_default=True)
def ensure_admin_command(email: str):
    """Create an admin with a one-time password if the site has no admin yet."""
    admins = db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN))
    if admins:
        click.echo("An admin account already exists; log in with it (or use 'flask users create-admin').")
        return
    user, password = services.create_admin(email, "Quản trị viên", None)
    db.session.commit()
    click.echo("=" * 64)
    click.echo(f"Admin login: {user.email}")
    click.echo(f"One-time password (shown once, change it at first login): {password}")
    click.echo("=" * 64)


@cli_bp.cli.command("purge-deleted")
@click.option("--grace-days", default=30, show_default=True, type=int)
def purge_deleted_command(grace_days: int):
    """Erase accounts whose deletion was requested more than --grace-days ago."""
    count = services.purge_deleted_accounts(timedelta(days=grace_days))
    db.session.commit()
    click.echo(f"Erased {count} account(s).")


@cli_bp.cli.command("list")
def list_command():
    """List accounts with their roles."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        roles = ",".join(sorted(user.role_names)) or "entrant"
        click.echo(f"{user.id:>6} {user.email:<40} {roles}")
