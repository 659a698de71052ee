"""Translated explanations of why a file was refused or could not be processed."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from app.media.rejections import MediaRejected

MB = 1024 * 1024

FORMAT_NAMES = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIC", "mp4": "MP4", "mov": "MOV", "webm": "WebM"}

REJECTION_MESSAGES = {
    "empty": _l("The file is empty."),
    "too_large": _l("The file is %(size)s MB; the largest allowed is %(max)s MB."),
    "too_small_file": _l(
        "The file is %(size)s MB; it must be at least %(min)s MB. Send the original, not a compressed copy."
    ),
    "not_an_image": _l("This file is not a photo we can read. Allowed formats: %(allowed)s."),
    "not_a_video": _l("This file is not a video we can read. Allowed formats: %(allowed)s."),
    "format_not_allowed": _l("Files in %(format)s format are not accepted here. Allowed formats: %(allowed)s."),
    "wrong_type": _l("This file does not look like an allowed format (%(allowed)s), whatever its name says."),
    "too_many_pixels": _l("The image has %(pixels)s megapixels; at most %(max)s megapixels are allowed."),
    "corrupt": _l("The file is damaged or incomplete. Try exporting it again and upload the new copy."),
    "too_small_dimensions": _l("The long edge of the photo is %(long_edge)s px; it must be at least %(min)s px."),
    "no_video_stream": _l("The file contains no video picture (only sound or nothing)."),
    "too_long": _l("The video lasts %(duration)s; at most %(max)s is allowed."),
    "resolution_too_high": _l("The video is %(width)s×%(height)s; at most %(max_width)s×%(max_height)s is allowed."),
    "frame_rate_too_high": _l("The video has %(fps)s frames per second; at most %(max)s are allowed."),
    "bigger_than_declared": _l("More data arrived than the file size announced at the start."),
    "processing_failed": _l("We could not process this file. Our team has been told; you can try uploading it again."),
    "storage_unavailable": _l("File storage is temporarily unavailable. Please try again in a few minutes."),
}


def _megabytes(value) -> str:
    return format_decimal(round(int(value) / MB, 1))


def _duration(seconds) -> str:
    total = round(float(seconds))
    return f"{total // 60}:{total % 60:02d}"


def _allowed(formats) -> str:
    return ", ".join(FORMAT_NAMES.get(str(f), str(f).upper()) for f in formats or [])


def rejection_message(code: str, params: dict) -> str:
    """A translated sentence for a rejection code and its figures."""
    template = REJECTION_MESSAGES.get(code, REJECTION_MESSAGES["processing_failed"])
    values = {
        "size": _megabytes(params.get("size", 0)),
        "max": _megabytes(params["max_bytes"]) if "max_bytes" in params else params.get("max", ""),
        "min": _megabytes(params["min_bytes"]) if "min_bytes" in params else params.get("min_long_edge", ""),
        "allowed": _allowed(params.get("allowed")),
        "format": FORMAT_NAMES.get(str(params.get("format")), str(params.get("format", "")).upper()),
        "pixels": format_decimal(round(int(params.get("pixels", 0)) / 1e6, 1)),
        "long_edge": params.get("long_edge", ""),
        "duration": _duration(params.get("seconds", 0)),
        "width": params.get("width", ""),
        "height": params.get("height", ""),
        "max_width": params.get("max_width", ""),
        "max_height": params.get("max_height", ""),
        "fps": format_decimal(round(float(params.get("fps", 0)), 2)),
    }
    if code == "too_many_pixels":
        values["max"] = format_decimal(round(int(params.get("max_pixels", 0)) / 1e6, 1))
    if code == "too_long":
        values["max"] = _duration(params.get("max_seconds", 0))
    if code == "frame_rate_too_high":
        values["max"] = format_decimal(params.get("max_fps", 0))
    return str(template) % values


def describe(error: MediaRejected) -> str:
    """The translated message for a MediaRejected."""
    return rejection_message(error.code, error.params)
