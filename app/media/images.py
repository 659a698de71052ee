"""Photo validation and web derivatives, with Pillow only: no Flask, database or storage.

`inspect_image()` judges an upload by its content (never its name) and returns what it
is; `make_image_derivatives()` turns an inspected file into metadata-free sRGB web copies
and a blurhash placeholder.

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

import contextlib
import functools
import io
import math
import re
import struct
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import blurhash
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

from app.media.derivatives import DerivativeFile
from app.media.rejections import MediaRejected, ProcessingFailed

PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}

# Long edges, largest first: each copy is made from the previous one.
LONG_EDGES = {"w2560.jpg": 2560, "w1280.webp": 1280, "w480.webp": 480}
FILE_ORDER = ("w480.webp", "w1280.webp", "w2560.jpg", "social.jpg")
SOCIAL_SIZE = (1200, 630)
JPEG_QUALITY = 85
WEBP_QUALITY = 80
PLACEHOLDER_EDGE = 32

# What Pillow and its plugins raise on bad input while opening, verifying or decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError, RuntimeError)
_PROCESSING_ERRORS = (
    *_DECODE_ERRORS,
    Image.DecompressionBombError,
    ImageCms.PyCMSError,
    KeyError,
    ZeroDivisionError,
    MemoryError,
)

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
_EXIF_DATE = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ImageRules:
    """What a contest accepts as a photo."""

    allowed_formats: frozenset[str]  # subset of {"jpeg", "png", "heic"}
    min_long_edge_px: int | None
    min_bytes: int | None
    max_bytes: int | None
    max_pixels: int = 120_000_000


@dataclass(frozen=True)
class ImageInfo:
    """What an accepted photo is."""

    format: str
    width: int  # as displayed, i.e. after EXIF orientation
    height: int
    mode: str
    has_icc_profile: bool
    exif: dict  # JSON-serialisable summary, see exif_summary()


@dataclass(frozen=True)
class ImageDerivatives:
    """The web copies of a photo and its blurhash placeholder."""

    files: list[DerivativeFile]
    placeholder: str  # blurhash string


# ---------------------------------------------------------------------------- validation


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


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation (1–8) still to apply; 1 when absent or nonsense."""
    try:
        value = img.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # untrusted metadata must never break processing
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The size as displayed: orientations 5–8 swap width and height."""
    return (size[1], size[0]) if orientation >= 5 else size


# ---------------------------------------------------------------------------- EXIF summary


def exif_summary(img: Image.Image) -> dict:
    """Camera, exposure, capture time and GPS presence from EXIF; None where missing or malformed."""
    base, photo, gps = _exif_dicts(img)
    return {
        "camera_make": _text(base.get(ExifTags.Base.Make)),
        "camera_model": _text(base.get(ExifTags.Base.Model)),
        "lens_model": _text(photo.get(ExifTags.Base.LensModel)),
        "exposure_time": _exposure(_number(photo.get(ExifTags.Base.ExposureTime))),
        "f_number": _rounded(_number(photo.get(ExifTags.Base.FNumber))),
        "iso": _iso(photo.get(ExifTags.Base.ISOSpeedRatings)),
        "focal_length_mm": _rounded(_number(photo.get(ExifTags.Base.FocalLength))),
        "captured_at": _captured_at(
            photo.get(ExifTags.Base.DateTimeOriginal), photo.get(ExifTags.Base.OffsetTimeOriginal)
        ),
        "has_gps": any(gps.get(tag) for tag in (ExifTags.GPS.GPSLatitude, ExifTags.GPS.GPSLongitude)),
        "software": _text(base.get(ExifTags.Base.Software)),
        "orientation": _exif_orientation(img, base),
    }


def _exif_dicts(img: Image.Image) -> tuple[dict, dict, dict]:
    """IFD0, the Exif IFD and the GPS IFD; empty dicts for whatever cannot be parsed."""
    try:
        exif = img.getexif()
    except Exception:  # untrusted metadata must never break processing
        return {}, {}, {}
    return dict(exif), _ifd(exif, ExifTags.IFD.Exif), _ifd(exif, ExifTags.IFD.GPSInfo)


def _ifd(exif: Image.Exif, tag: int) -> dict:
    """One sub-IFD, or {} if it is missing or broken."""
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # untrusted metadata must never break processing
        return {}


def _exif_orientation(img: Image.Image, base: dict) -> int | None:
    """The orientation as stored in the file (pillow-heif keeps it aside after rotating)."""
    value = img.info.get("original_orientation", base.get(ExifTags.Base.Orientation))
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _text(value: object, limit: int = 200) -> str | None:
    """A clean, short string from an EXIF text value (str or bytes), or None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = _CONTROL_CHARS.sub("", value.encode("utf-8", "replace").decode("utf-8")).strip()
    return value[:limit] or None


def _number(value: object) -> float | None:
    """A finite, non-negative number from an EXIF int, float or rational (first of a tuple), else None."""
    if isinstance(value, tuple) and value:
        value = value[0]
    if value is None or isinstance(value, (bool, str, bytes)):
        return None
    try:
        number = float(value)  # IFDRational with a zero denominator gives NaN
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _rounded(value: float | None) -> float | None:
    """One decimal place, as cameras print f-numbers and focal lengths."""
    return None if value is None else round(value, 1)


def _exposure(seconds: float | None) -> str | None:
    """An exposure time the way photographers write it: "1/250", "2", "2.5"."""
    if not seconds:
        return None
    if seconds >= 1:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


def _iso(value: object) -> int | None:
    """The ISO speed; some cameras store a tuple."""
    number = _number(value)
    return int(number) if number else None


def _captured_at(original: object, offset: object) -> str | None:
    """ISO 8601 from DateTimeOriginal, with OffsetTimeOriginal's zone when present."""
    match = _EXIF_DATE.match(_text(original) or "")
    if not match:
        return None
    try:
        moment = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    zone = _EXIF_OFFSET.match(_text(offset) or "")
    if zone:
        sign = -1 if zone.group(1) == "-" else 1
        delta = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
        if delta < timedelta(hours=24):
            moment = moment.replace(tzinfo=timezone(sign * delta))
    return moment.isoformat()


# ---------------------------------------------------------------------------- derivatives


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


def _flatten(img: Image.Image) -> Image.Image:
    """RGB, L or CMYK: 16-bit scaled to 8, palettes expanded, transparency flattened on white."""
    if img.mode in ("RGB", "L", "CMYK"):
        return img
    if img.mode.startswith("I") or img.mode == "F":
        return img.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if img.mode == "1":
        return img.convert("L")
    if img.has_transparency_data:
        grey = img.mode in ("LA", "La")
        rgba = img.convert("LA" if grey else "RGBA")
        background = Image.new("L" if grey else "RGB", img.size, 255 if grey else (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


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


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB in sRGB: through the embedded ICC profile if it is not sRGB already, else a plain convert."""
    profile = _profile(icc)
    if profile is not None:
        # A profile that does not fit the pixels (say an RGB profile on CMYK) is ignored: assume sRGB.
        with contextlib.suppress(ImageCms.PyCMSError, ValueError, OSError):
            return ImageCms.profileToProfile(img, profile, _srgb_profile(), outputMode="RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def _profile(icc: bytes | None) -> ImageCms.ImageCmsProfile | None:
    """The embedded profile if it is usable and not sRGB; None means treat the pixels as sRGB."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if "srgb" in description.lower() and profile.profile.xcolor_space.strip() == "RGB":
        return None
    return profile


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    """Little CMS's built-in sRGB profile, made once."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


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
