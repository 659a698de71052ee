"""Web derivatives of an inspected photo: metadata-free sRGB copies and a blurhash placeholder."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import blurhash
from PIL import Image, ImageCms, ImageOps

from app.media.derivatives import DerivativeFile
from app.media.images.colour import _flatten, _to_srgb
from app.media.images.exif import _TRANSPOSE, _orientation, _oriented_size
from app.media.images.formats import PILLOW_FORMATS, sniff_format
from app.media.images.pillow_guard import _DECODE_ERRORS, _open, _pillow_guard
from app.media.rejections import ProcessingFailed

# Long edges, largest first: each copy is made from the previous one.
LONG_EDGES = {"w2560.jpg": 2560, "w1280.webp": 1280, "w480.webp": 480}
FILE_ORDER = ("w480.webp", "w1280.webp", "w2560.jpg", "social.jpg")
SOCIAL_SIZE = (1200, 630)
JPEG_QUALITY = 85
WEBP_QUALITY = 80
PLACEHOLDER_EDGE = 32

_PROCESSING_ERRORS = (
    *_DECODE_ERRORS,
    Image.DecompressionBombError,
    ImageCms.PyCMSError,
    KeyError,
    ZeroDivisionError,
    MemoryError,
)


@dataclass(frozen=True)
class ImageDerivatives:
    """The web copies of a photo and its blurhash placeholder."""

    files: list[DerivativeFile]
    placeholder: str  # blurhash string


def make_image_derivatives(path: Path, out_dir: Path) -> ImageDerivatives:
    """Write metadata-free sRGB web copies of an inspected photo into out_dir, plus a placeholder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with _pillow_guard():
            return _make_derivatives(path, out_dir)
    except _PROCESSING_ERRORS as exc:
        raise ProcessingFailed("image_processing_failed", f"{type(exc).__name__}: {exc}") from exc


def _make_derivatives(path: Path, out_dir: Path) -> ImageDerivatives:
    """Decode once at the smallest useful scale, resize down the chain, and save in parallel."""
    picture, icc, full_size = _decode_for_web(path)
    made: dict[str, Image.Image] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:  # Pillow encodes without the GIL
        saves = []
        current = picture
        for name, edge in LONG_EDGES.items():
            current = _shrink(current, _fit(full_size, edge))
            if not made:
                current = _to_srgb(current, icc)  # on the largest copy, not the decoded picture
            made[name] = current
            saves.append(pool.submit(_save, current, out_dir / name))
        made["social.jpg"] = _social(list(made.values()), picture, icc)
        saves.append(pool.submit(_save, made["social.jpg"], out_dir / "social.jpg"))
        placeholder = _placeholder(current)
        for save in saves:
            save.result()
    files = [_describe(out_dir / name, made[name]) for name in FILE_ORDER]
    return ImageDerivatives(files=files, placeholder=placeholder)


def _decode_for_web(path: Path) -> tuple[Image.Image, bytes | None, tuple[int, int]]:
    """The picture upright, in RGB/L/CMYK without alpha or info, decoded no larger than needed.

    Also returns the embedded ICC profile and the full upright size (draft mode may decode smaller).
    """
    with path.open("rb") as fh:
        fmt = sniff_format(fh.read(32))
    if fmt not in PILLOW_FORMATS:
        raise ValueError(f"not a supported image: {fmt}")
    with _open(path, fmt) as img:
        icc = img.info.get("icc_profile") or None
        orientation = _orientation(img)
        full_size = _oriented_size(img.size, orientation)
        img.draft("RGB", _draft_request(img.size, orientation))  # before any transpose, which would decode
        img.load()
        picture = _flatten(img)
    if orientation != 1:
        picture = picture.transpose(_TRANSPOSE[orientation])
    picture.info = {}  # nothing of the original's metadata may reach a derivative
    return picture, icc, full_size


def _draft_request(raw_size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The smallest stored-orientation size that still covers the largest derivative and the social crop."""
    width, height = _oriented_size(raw_size, orientation)
    fit_scale = min(1.0, max(LONG_EDGES.values()) / max(width, height))
    cover_scale = min(1.0, max(SOCIAL_SIZE[0] / width, SOCIAL_SIZE[1] / height))
    scale = max(fit_scale, cover_scale)
    return max(1, math.ceil(raw_size[0] * scale)), max(1, math.ceil(raw_size[1] * scale))


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The size scaled so its long edge is long_edge; never larger than the original."""
    width, height = size
    if max(width, height) <= long_edge:
        return size
    scale = long_edge / max(width, height)
    if width >= height:
        return long_edge, max(1, round(height * scale))
    return max(1, round(width * scale)), long_edge


def _shrink(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Lanczos down to size, with an integer box reduce first when the ratio is large."""
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _social(candidates: list[Image.Image], base: Image.Image, icc: bytes | None) -> Image.Image:
    """Exactly 1200×630, centre crop, from the smallest derivative big enough (else the decoded picture)."""
    for img in reversed(candidates):
        if _covers(img.size):
            return ImageOps.fit(img, SOCIAL_SIZE, Image.Resampling.LANCZOS)
    return _to_srgb(ImageOps.fit(base, SOCIAL_SIZE, Image.Resampling.LANCZOS), icc)


def _covers(size: tuple[int, int]) -> bool:
    """Whether a centre crop of this size to 1200:630 is at least 1200×630 (no upscaling)."""
    width, height = size
    return min(width, height * SOCIAL_SIZE[0] / SOCIAL_SIZE[1]) >= SOCIAL_SIZE[0]


def _save(img: Image.Image, target: Path) -> None:
    """Encode with no metadata at all: no EXIF, XMP, comment or ICC profile (untagged means sRGB)."""
    if target.suffix == ".webp":
        img.save(target, "WEBP", quality=WEBP_QUALITY, method=4)
    elif target.name == "social.jpg":
        img.save(target, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        img.save(target, "JPEG", quality=JPEG_QUALITY, progressive=True)


def _describe(target: Path, img: Image.Image) -> DerivativeFile:
    """The DerivativeFile for a written derivative."""
    content_type = "image/webp" if target.suffix == ".webp" else "image/jpeg"
    return DerivativeFile(name=target.name, path=target, content_type=content_type, width=img.width, height=img.height)


def _placeholder(img: Image.Image) -> str:
    """A blurhash of a tiny copy: 4×3 components for landscape, 3×4 for portrait."""
    tiny = img.copy()
    tiny.thumbnail((PLACEHOLDER_EDGE, PLACEHOLDER_EDGE))
    pixels = tiny.get_flattened_data()
    rows = [pixels[row * tiny.width : (row + 1) * tiny.width] for row in range(tiny.height)]
    x_components, y_components = (4, 3) if tiny.width >= tiny.height else (3, 4)
    return blurhash.encode(rows, x_components, y_components)
