"""Pillow on untrusted files: opened as one format only, its warnings quiet, its bomb error ours.

Shared by validation and derivatives; the underscored names are internal to the package.
"""

from __future__ import annotations

import functools
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageFile

from app.media.images.formats import PILLOW_FORMATS
from app.media.images.rules import ImageRules
from app.media.rejections import MediaRejected

# What Pillow and its plugins raise on bad input while opening, verifying or decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError, RuntimeError)

_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@contextmanager
def _pillow_guard(rules: ImageRules | None = None) -> Iterator[None]:
    """Pillow quiet about what we handle ourselves; its hard bomb error becomes `too_many_pixels`.

    Our pixel limit replaces Pillow's bomb warning, and its notices about broken metadata
    ("Corrupt EXIF data") are expected from untrusted files, so the result never depends
    on the process's warning filters. (warnings.catch_warnings is process-wide: a thread
    warning meanwhile may be silenced too, which is harmless.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        try:
            yield
        except Image.DecompressionBombError as exc:
            if rules is None:
                raise
            match = _BOMB_PIXELS.search(str(exc))
            pixels = int(match.group(1)) if match else None
            raise MediaRejected("too_many_pixels", pixels=pixels, max_pixels=rules.max_pixels) from exc


@contextmanager
def _open(path: Path, fmt: str, *, refuse_as_corrupt: bool = False) -> Iterator[ImageFile.ImageFile]:
    """Open with Pillow restricted to one format (only its header is read), closing it afterwards."""
    if fmt == "heic":
        _register_heif()
    try:
        img = Image.open(path, formats=[PILLOW_FORMATS[fmt]])
    except _DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        if refuse_as_corrupt:
            raise MediaRejected("corrupt") from exc
        raise
    with img:
        yield img


@functools.cache
def _register_heif() -> None:
    """Teach Pillow HEIF, once, and only when a HEIC file is met."""
    import pillow_heif

    pillow_heif.register_heif_opener()
