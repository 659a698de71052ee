"""Media test fixtures: generated images (image_*), and a category plus a tus client for uploads."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import select

from app.contest.models import Category
from app.extensions import db
from app.media.images import ImageRules
from tests.media.uploads import TusClient


def _pattern(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with gradients and shapes (so JPEG has something to compress), in any mode."""
    width, height = size
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    rings = Image.radial_gradient("L").resize(size)
    img = Image.merge("RGB", (across, down, rings))
    img.paste((255, 255, 255), (width // 4, height // 4, width // 2, height // 2))
    return img if mode == "RGB" else img.convert(mode)


@pytest.fixture
def image_rules():
    """Factory: ImageRules allowing every format with no limits unless overridden."""

    def make(**overrides) -> ImageRules:
        values = dict(
            allowed_formats=frozenset({"jpeg", "png", "heic"}),
            min_long_edge_px=None,
            min_bytes=None,
            max_bytes=None,
        )
        values.update(overrides)
        return ImageRules(**values)

    return make


@pytest.fixture
def image_file(tmp_path):
    """Factory: save a Pillow picture (generated unless given) under tmp_path and return its path."""

    def make(
        name: str = "photo.jpg",
        size: tuple[int, int] = (640, 480),
        format: str = "JPEG",
        img: Image.Image | None = None,
        **save_options,
    ) -> Path:
        path = tmp_path / name
        picture = img if img is not None else _pattern(size)
        picture.save(path, format, **save_options)
        return path

    return make


@pytest.fixture
def image_camera_exif() -> Image.Exif:
    """EXIF as a phone or camera writes it: make, model, lens, exposure, time, GPS, artist, software."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS R6"
    exif[ExifTags.Base.Artist] = "Tran Thi Binh"
    exif[ExifTags.Base.Software] = "Adobe Lightroom Classic 13.0"
    exif[ExifTags.Base.Orientation] = 1
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.ExposureTime] = IFDRational(1, 250)
    photo[ExifTags.Base.FNumber] = IFDRational(28, 10)
    photo[ExifTags.Base.ISOSpeedRatings] = 200
    photo[ExifTags.Base.FocalLength] = IFDRational(35, 1)
    photo[ExifTags.Base.LensModel] = "RF35mm F1.8 MACRO IS STM"
    photo[ExifTags.Base.DateTimeOriginal] = "2025:04:30 08:15:00"
    photo[ExifTags.Base.OffsetTimeOriginal] = "+07:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(18), IFDRational(40), IFDRational(30))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(105), IFDRational(40), IFDRational(0))
    return exif


def _s15(value: float) -> bytes:
    """An ICC s15Fixed16Number."""
    return struct.pack(">i", round(value * 65536))


@pytest.fixture
def image_adobe_rgb_icc() -> bytes:
    """A small ICC v2 matrix/TRC profile with Adobe RGB (1998) primaries and gamma 2.2 (not sRGB)."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)

    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, 563) + bytes(2)  # 563/256 ≈ 2.2
    description = b"Adobe RGB (1998) test\0"
    tags = [
        (b"desc", b"desc" + bytes(4) + struct.pack(">I", len(description)) + description + bytes(78)),
        (b"cprt", b"text" + bytes(4) + b"No copyright, test data\0"),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = struct.pack(
        ">I4sI4s4s4s12s4s", offset + len(data), b"none", 0x02100000, b"mntr", b"RGB ", b"XYZ ", bytes(12), b"acsp"
    )
    header += bytes(68 - len(header)) + _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    return header + bytes(128 - len(header)) + struct.pack(">I", len(tags)) + table + data


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.fixture
def image_png_bomb(tmp_path):
    """Factory: a tiny, well-formed PNG whose header declares width × height RGB pixels."""

    def make(width: int, height: int) -> Path:
        path = tmp_path / f"bomb-{width}x{height}.png"
        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        rows = zlib.compress(b"\0" * 4096, 9)  # the start of a black picture; the rest is never read
        path.write_bytes(
            b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")
        )
        return path

    return make


@pytest.fixture
def image_heic(tmp_path):
    """Factory: a HEIC written by pillow-heif; skips the test if this libheif cannot encode."""
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this pillow-heif wheel has no HEIF encoder")
    pillow_heif.register_heif_opener()

    def make(size: tuple[int, int] = (800, 600), name: str = "photo.heic") -> Path:
        path = tmp_path / name
        _pattern(size).save(path, "HEIF", quality=70)
        return path

    return make


@pytest.fixture
def photo_category(app, seeded_contest):
    """The seeded photo category with rules small enough for fast tests."""
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "photo"))
        category.min_long_edge_px = 600
        category.min_bytes = None
        category.max_bytes = 12 * 1024 * 1024
        db.session.commit()
        return category.id


@pytest.fixture
def tus(client, auth, make_user):
    """A logged-in, verified entrant's tus client."""
    make_user(email="an@example.com")
    auth.login("an@example.com")
    return TusClient(client)
