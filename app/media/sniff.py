"""Recognise a file's format from its first bytes, to refuse obvious misfits early.

This is only a first look while the upload streams in, reusing the photo and video
modules' own recognisers; the authoritative check opens the whole file once it arrives.
"""

from __future__ import annotations

from app.media.images import sniff_format as sniff_image
from app.media.video import sniff_container as sniff_video

SNIFF_BYTES = 64
# MP4 and MOV share one container family: phones label them loosely, the full check decides.
FAMILIES = {"mp4": {"mp4", "mov"}, "mov": {"mp4", "mov"}}


def sniff_format(head: bytes) -> str | None:
    """'jpeg', 'png', 'heic', 'mp4', 'mov', 'webm', ... or None when unrecognised."""
    return sniff_image(head) or sniff_video(head)


def compatible(sniffed: str | None, allowed_formats: list[str]) -> bool:
    """Whether a sniffed format may be one of the allowed ones."""
    if sniffed is None:
        return False
    return bool(FAMILIES.get(sniffed, {sniffed}) & set(allowed_formats))
