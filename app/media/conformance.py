"""Does a processed asset meet a set of file rules? For files chosen after they were processed.

A file is checked against the rules given when it was uploaded; when it is later used
somewhere with other rules (an entry in another category), the facts processing learnt
(format, size, pixels, length) are checked again here, without reading the file.
"""

from __future__ import annotations

from app.media.models import MediaAsset, ProcessingState
from app.media.rejections import MediaRejected
from app.media.services import MediaRules


def rules_breach(asset: MediaAsset, rules: MediaRules) -> MediaRejected | None:
    """The first rule a ready asset breaks, or None (unprocessed assets are not judged here)."""
    if asset.state != ProcessingState.READY:
        return None
    size = asset.original.size if asset.original is not None else None
    if rules.allowed_formats and asset.format and asset.format not in rules.allowed_formats:
        return MediaRejected("format_not_allowed", format=asset.format, allowed=sorted(rules.allowed_formats))
    if size is not None and rules.max_bytes is not None and size > rules.max_bytes:
        return MediaRejected("too_large", size=size, max_bytes=rules.max_bytes)
    if size is not None and rules.min_bytes is not None and size < rules.min_bytes:
        return MediaRejected("too_small_file", size=size, min_bytes=rules.min_bytes)
    long_edge = max(asset.width or 0, asset.height or 0)
    if rules.min_long_edge_px is not None and long_edge and long_edge < rules.min_long_edge_px:
        return MediaRejected("too_small_dimensions", long_edge=long_edge, min_long_edge=rules.min_long_edge_px)
    if rules.max_video_seconds is not None and asset.duration_s and asset.duration_s > rules.max_video_seconds:
        return MediaRejected("too_long", seconds=asset.duration_s, max_seconds=rules.max_video_seconds)
    return None
