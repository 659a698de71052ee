"""`flask media ...`: queue state, reprocessing and sweeping."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.media import bp, services, tasks
from app.media.models import MediaAsset, MediaKind, ProcessingState
from app.media.rejections import ProcessingFailed
from app.storage.base import StorageError

bp.cli.short_help = "Media processing: queue state, reprocess, sweep, perceptual hashes."


@bp.cli.command("queue")
def queue_command():
    """Show how many assets are in each processing state."""
    rows = db.session.execute(select(MediaAsset.state, func.count()).group_by(MediaAsset.state)).all()
    counts = {state.value: count for state, count in rows}
    for state in ProcessingState:
        click.echo(f"{state.value:<11} {counts.get(state.value, 0)}")


@bp.cli.command("reprocess")
@click.argument("asset_id", required=False)
@click.option("--failed", "all_failed", is_flag=True, help="Every failed asset.")
def reprocess_command(asset_id: str | None, all_failed: bool):
    """Queue one asset (by id) or every failed one for processing again."""
    if not asset_id and not all_failed:
        raise click.UsageError("Give an ASSET_ID or --failed.")
    query = select(MediaAsset)
    query = query.where(MediaAsset.state == ProcessingState.FAILED) if all_failed else query.where(
        MediaAsset.id == asset_id
    )
    assets = db.session.scalars(query).all()
    for asset in assets:
        services.retry_asset(asset)
    db.session.commit()
    click.echo(f"Queued {len(assets)} asset(s).")


@bp.cli.command("sweep")
@click.option("--unclaimed-days", default=None, type=int, help="Default: MEDIA_UNCLAIMED_DAYS.")
def sweep_command(unclaimed_days: int | None):
    """Abort expired uploads and delete media nobody claimed in time."""
    days = unclaimed_days if unclaimed_days is not None else current_app.config["MEDIA_UNCLAIMED_DAYS"]
    uploads = services.sweep_stale_uploads()
    assets = services.sweep_unclaimed_assets(timedelta(days=days))
    db.session.commit()
    click.echo(f"Aborted {uploads} expired upload(s); deleted {assets} unclaimed asset(s).")


@bp.cli.command("phash")
@click.option("--missing", is_flag=True, help="Only photos that have no hash yet.")
def phash_command(missing: bool):
    """Compute the perceptual hash of processed photos (all of them, or those missing one)."""
    query = select(MediaAsset.id).where(
        MediaAsset.kind == MediaKind.PHOTO,
        MediaAsset.state == ProcessingState.READY,
        MediaAsset.original_id.is_not(None),
    )
    if missing:
        query = query.where(MediaAsset.phash.is_(None))
    done = failed = 0
    for asset_id in db.session.scalars(query.order_by(MediaAsset.id)).all():
        asset = db.session.get(MediaAsset, asset_id)
        try:
            done += tasks.fill_phash(asset)
        except (ProcessingFailed, StorageError, OSError) as error:
            db.session.rollback()
            failed += 1
            click.echo(f"{asset_id}: {error}", err=True)
            continue
        db.session.commit()  # one photo at a time: an interrupted backfill keeps what it did
    click.echo(f"Hashed {done} photo(s); {failed} could not be read.")
