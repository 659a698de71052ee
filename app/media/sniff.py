"""Recognise a file's format from its first bytes, to refuse obvious misfits early.

This is only a first look while the upload streams in; the authoritative check opens
the whole file (images.py, video.py) once it has arrived.
"""

from __future__ import annotations

SNIFF_BYTES = 64
ISO_BMFF_BRANDS = {
    "heic": {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"},
    "mov": {b"qt  "},
}


def sniff_format(head: bytes) -> str | None:
    """'jpeg', 'png', 'heic', 'mp4', 'mov', 'webm', or None when unrecognised."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        for name, brands in ISO_BMFF_BRANDS.items():
            if brand in brands:
                return name
        return "mp4"
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov"
    return None


def compatible(sniffed: str | None, allowed_formats: list[str]) -> bool:
    """Whether a sniffed format may be one of the allowed ones (mp4 and mov share a family)."""
    if sniffed is None:
        return False
    family = {"mp4": {"mp4", "mov"}, "mov": {"mp4", "mov"}}.get(sniffed, {sniffed})
    return bool(family & set(allowed_formats))
