"""Validation of a photo by its content (never its name): `inspect_image()` refuses it or describes it.

Rejection codes raised by `inspect_image()` as `MediaRejected(code, **params)`, cheapest
check first:

=======================  ============================  ======================================
code                     params                        meaning
=======================  ============================  ======================================
``empty``                (none)                        the file has no bytes
``too_small_file``       size, min_bytes               fewer bytes than the contest asks for
``too_large``            size, max_bytes               more bytes than the contest accepts
``not_an_image``         (none)                        content is not a known image format
``format_not_allowed``   format, allowed (list)        an image, but not of an allowed format
``too_many_pixels``      pixels, max_pixels            width × height above the limit (checked
                                                       from the header, before any decoding)
``too_small_dimensions`` long_edge, min_long_edge      long edge below the contest minimum
``corrupt``              (none)                        right signature but cannot be decoded
                                                       (truncated, broken data, bad checksum)
=======================  ============================  ======================================

Format names are ours: "jpeg", "png", "heic". Pillow's own bomb guard stops anything above
2 × Image.MAX_IMAGE_PIXELS (about 179 MP) while opening; that too becomes
``too_many_pixels``, so a rules.max_pixels above that figure is capped by Pillow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFile

from app.media.images.exif import _orientation, _oriented_size, exif_summary
from app.media.images.formats import PILLOW_FORMATS, sniff_format
from app.media.images.pillow_guard import _DECODE_ERRORS, _open, _pillow_guard
from app.media.images.rules import ImageRules
from app.media.rejections import MediaRejected


@dataclass(frozen=True)
class ImageInfo:
    """What an accepted photo is."""

    format: str
    width: int  # as displayed, i.e. after EXIF orientation
    height: int
    mode: str
    has_icc_profile: bool
    exif: dict  # JSON-serialisable summary, see exif_summary()


def inspect_image(path: Path, rules: ImageRules) -> ImageInfo:
    """Validate a photo by content, cheapest check first; raise MediaRejected or describe it."""
    _check_byte_size(path, rules)
    fmt = _check_format(path, rules)
    with _pillow_guard(rules):
        _check_header(path, fmt, rules)
        with _open(path, fmt, refuse_as_corrupt=True) as img:
            mode, size, has_icc = img.mode, img.size, bool(img.info.get("icc_profile"))
            _decode_cheaply(img)  # changes img.mode and img.size for JPEG
            exif = exif_summary(img)
            width, height = _oriented_size(size, _orientation(img))
    return ImageInfo(format=fmt, width=width, height=height, mode=mode, has_icc_profile=has_icc, exif=exif)


def _check_byte_size(path: Path, rules: ImageRules) -> int:
    """The file's size in bytes, if within the rules."""
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("empty")
    if rules.min_bytes is not None and size < rules.min_bytes:
        raise MediaRejected("too_small_file", size=size, min_bytes=rules.min_bytes)
    if rules.max_bytes is not None and size > rules.max_bytes:
        raise MediaRejected("too_large", size=size, max_bytes=rules.max_bytes)
    return size


def _check_format(path: Path, rules: ImageRules) -> str:
    """The format named by the file's signature, if allowed."""
    with path.open("rb") as fh:
        fmt = sniff_format(fh.read(32))
    if fmt is None:
        raise MediaRejected("not_an_image")
    if fmt not in rules.allowed_formats or fmt not in PILLOW_FORMATS:
        raise MediaRejected("format_not_allowed", format=fmt, allowed=sorted(rules.allowed_formats))
    return fmt


def _check_header(path: Path, fmt: str, rules: ImageRules) -> None:
    """Refuse too many pixels or too short an edge from the header, then verify the file's structure."""
    with _open(path, fmt, refuse_as_corrupt=True) as img:
        width, height = img.size
        if width * height > rules.max_pixels:
            raise MediaRejected("too_many_pixels", pixels=width * height, max_pixels=rules.max_pixels)
        if rules.min_long_edge_px is not None and max(width, height) < rules.min_long_edge_px:
            raise MediaRejected(
                "too_small_dimensions", long_edge=max(width, height), min_long_edge=rules.min_long_edge_px
            )
        _decode_step(img.verify)  # PNG: every chunk's checksum and the IEND; a no-op for JPEG/HEIF


def _decode_cheaply(img: ImageFile.ImageFile) -> None:
    """Decode every byte once; JPEG at 1/8 scale in grey, which still reads all entropy-coded data."""
    width, height = img.size
    img.draft("L", (max(1, width // 8), max(1, height // 8)))
    _decode_step(img.load)


def _decode_step(step: Callable[[], object]) -> None:
    """Run a Pillow decoding step, turning decoder failures into a `corrupt` rejection."""
    try:
        step()
    except _DECODE_ERRORS as exc:
        raise MediaRejected("corrupt") from exc
