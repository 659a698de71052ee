"""What a photo's EXIF says: the orientation still to apply, and a JSON-safe summary for the record."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_DATE = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


# ---------------------------------------------------------------------------- orientation


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
