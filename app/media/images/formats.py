"""Which image format a file is, from its first bytes, and Pillow's name for each format we accept."""

from __future__ import annotations

PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


def sniff_format(head: bytes) -> str | None:
    """The image format named by a file's first bytes ("jpeg", "png", "heic", "gif", …), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp":
        return _sniff_iso_brand(head)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:2] == b"BM":
        return "bmp"
    return None


def _sniff_iso_brand(head: bytes) -> str | None:
    """HEIC or AVIF from an ISO-BMFF `ftyp` box; None for videos and others."""
    major, compatible = head[8:12], head[16:32]
    if major in (b"avif", b"avis") or (major in (b"mif1", b"msf1") and b"avif" in compatible):
        return "avif"
    return "heic" if major in _HEIC_BRANDS else None
