"""The pure image part of the media pipeline: validation by content, EXIF summary, web derivatives.

Every file is generated with Pillow in the test; nothing binary is committed.
"""

from __future__ import annotations

import io
import json
import resource
import struct
import time

import blurhash
import psutil
import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

from app.media.images import (
    ImageDerivatives,
    ImageInfo,
    inspect_image,
    make_image_derivatives,
    sniff_format,
)
from app.media.rejections import MediaRejected, ProcessingFailed

EXPECTED_NAMES = ["w480.webp", "w1280.webp", "w2560.jpg", "social.jpg"]


@pytest.fixture(autouse=True)
def clean_state():
    """Overrides the suite's database reset: the image module knows nothing of Flask or the database."""
    yield


def rejection(path, rules) -> MediaRejected:
    """The MediaRejected that inspect_image raises for path."""
    with pytest.raises(MediaRejected) as caught:
        inspect_image(path, rules)
    return caught.value


def by_name(result: ImageDerivatives) -> dict:
    return {file.name: file for file in result.files}


def opened(path) -> Image.Image:
    """A derivative, fully loaded."""
    img = Image.open(path)
    img.load()
    return img


# ---------------------------------------------------------------------------- inspect_image: accepted


def test_inspect_image_accepts_large_jpeg_and_describes_it(image_file, image_rules):
    path = image_file(size=(3200, 2400), quality=90)

    info = inspect_image(path, image_rules(min_long_edge_px=2000, min_bytes=1000, max_bytes=20_000_000))

    assert info == ImageInfo(format="jpeg", width=3200, height=2400, mode="RGB", has_icc_profile=False, exif=info.exif)
    assert info.exif["has_gps"] is False
    assert info.exif["camera_make"] is None and info.exif["captured_at"] is None


def test_inspect_image_judges_format_by_content_not_extension(image_file, image_rules):
    path = image_file(name="holiday.jpg", format="PNG")

    assert inspect_image(path, image_rules()).format == "png"


def test_inspect_image_swaps_dimensions_of_rotated_phone_photo(image_file, image_rules):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = image_file(size=(3000, 2000), exif=exif)

    info = inspect_image(path, image_rules(min_long_edge_px=3000))

    assert (info.width, info.height) == (2000, 3000)
    assert info.exif["orientation"] == 6


def test_inspect_image_reports_mode_and_icc_profile(image_file, image_rules, image_adobe_rgb_icc):
    path = image_file(img=Image.new("CMYK", (300, 200), (0, 255, 255, 0)))
    tagged = image_file(name="tagged.jpg", icc_profile=image_adobe_rgb_icc)

    assert inspect_image(path, image_rules()).mode == "CMYK"
    assert inspect_image(tagged, image_rules()).has_icc_profile is True


# ---------------------------------------------------------------------------- inspect_image: EXIF summary


def test_inspect_image_summarises_camera_exif(image_file, image_rules, image_camera_exif):
    path = image_file(exif=image_camera_exif)

    exif = inspect_image(path, image_rules()).exif

    assert exif == {
        "camera_make": "Canon",
        "camera_model": "Canon EOS R6",
        "lens_model": "RF35mm F1.8 MACRO IS STM",
        "exposure_time": "1/250",
        "f_number": 2.8,
        "iso": 200,
        "focal_length_mm": 35.0,
        "captured_at": "2025-04-30T08:15:00+07:00",
        "has_gps": True,
        "software": "Adobe Lightroom Classic 13.0",
        "orientation": 1,
    }
    assert json.loads(json.dumps(exif)) == exif


def test_inspect_image_gives_naive_capture_time_and_long_exposure_without_offset(image_file, image_rules):
    exif = Image.Exif()
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = "2024:12:31 23:59:58"
    photo[ExifTags.Base.ExposureTime] = IFDRational(5, 2)
    path = image_file(exif=exif)

    summary = inspect_image(path, image_rules()).exif

    assert summary["captured_at"] == "2024-12-31T23:59:58"
    assert summary["exposure_time"] == "2.5"


def test_inspect_image_survives_nonsense_exif_values(image_file, image_rules):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Ca\x00non\x07  "
    exif[ExifTags.Base.Orientation] = 99
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.ExposureTime] = IFDRational(1, 0)
    photo[ExifTags.Base.FNumber] = b"\x01\x02"
    photo[ExifTags.Base.ISOSpeedRatings] = "fast"
    photo[ExifTags.Base.FocalLength] = IFDRational(-5, 1)
    photo[ExifTags.Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    photo[ExifTags.Base.OffsetTimeOriginal] = "+99:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"  # a GPS block without a position
    path = image_file(exif=exif)

    info = inspect_image(path, image_rules())

    assert info.exif["camera_make"] == "Canon"
    for key in ("exposure_time", "f_number", "iso", "focal_length_mm", "captured_at", "orientation"):
        assert info.exif[key] is None, key
    assert info.exif["has_gps"] is False
    assert (info.width, info.height) == (640, 480)  # orientation 99 is ignored
    json.dumps(info.exif)


@pytest.mark.parametrize(
    "block",
    [b"Exif\x00\x00MM\x00*garbage", b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + bytes(10), bytes(range(256)) * 3],
    ids=["bad-offset", "bad-entry-count", "noise"],
)
def test_inspect_image_survives_broken_exif_block(image_file, image_rules, block):
    path = image_file(exif=block)

    info = inspect_image(path, image_rules())

    assert info.width == 640
    assert not any(value for key, value in info.exif.items())


# ---------------------------------------------------------------------------- inspect_image: refused


def test_inspect_image_refuses_zero_bytes(tmp_path, image_rules):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    assert rejection(path, image_rules()).code == "empty"


def test_inspect_image_refuses_file_over_max_bytes(image_file, image_rules):
    path = image_file()
    size = path.stat().st_size

    refused = rejection(path, image_rules(max_bytes=size - 1))

    assert (refused.code, refused.params) == ("too_large", {"size": size, "max_bytes": size - 1})


def test_inspect_image_refuses_file_under_min_bytes(image_file, image_rules):
    path = image_file()
    size = path.stat().st_size

    refused = rejection(path, image_rules(min_bytes=size + 1))

    assert (refused.code, refused.params) == ("too_small_file", {"size": size, "min_bytes": size + 1})


@pytest.mark.parametrize(
    "content",
    [b"Xin chao, day khong phai la anh.\n" * 20, bytes(range(256)) * 8, b"\x00\x00\x00\x18ftypmp42" + bytes(100)],
    ids=["text", "noise", "mp4"],
)
def test_inspect_image_refuses_non_image_named_jpg(tmp_path, image_rules, content):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)

    refused = rejection(path, image_rules())

    assert (refused.code, refused.params) == ("not_an_image", {})


def test_inspect_image_refuses_png_when_only_jpeg_allowed(image_file, image_rules):
    path = image_file(name="photo.jpg", format="PNG")

    refused = rejection(path, image_rules(allowed_formats=frozenset({"jpeg"})))

    assert (refused.code, refused.params) == ("format_not_allowed", {"format": "png", "allowed": ["jpeg"]})


@pytest.mark.parametrize(
    ("pillow_format", "name"), [("GIF", "gif"), ("WEBP", "webp"), ("TIFF", "tiff"), ("BMP", "bmp")]
)
def test_inspect_image_refuses_other_image_formats_by_name(image_file, image_rules, pillow_format, name):
    path = image_file(name="photo.jpg", format=pillow_format)

    refused = rejection(path, image_rules())

    assert refused.code == "format_not_allowed"
    assert refused.params == {"format": name, "allowed": ["heic", "jpeg", "png"]}


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize("keep", [0.5, 0.98, -2], ids=["half", "most", "no-end-marker"])
def test_inspect_image_refuses_truncated_jpeg(image_file, image_rules, keep, progressive):
    path = image_file(size=(1600, 1200), progressive=progressive)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if isinstance(keep, int) else data[: int(len(data) * keep)])

    assert rejection(path, image_rules()).code == "corrupt"


@pytest.mark.parametrize("cut", [0.5, 20], ids=["half", "end-chunk-and-checksum"])
def test_inspect_image_refuses_truncated_png(image_file, image_rules, cut):
    path = image_file(name="photo.png", format="PNG", size=(800, 600))
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)] if isinstance(cut, float) else data[:-cut])

    assert rejection(path, image_rules()).code == "corrupt"


def _flip(data: bytes, start: int, length: int = 64) -> bytes:
    return data[:start] + bytes(byte ^ 0xFF for byte in data[start : start + length]) + data[start + length :]


@pytest.mark.parametrize(
    ("fmt", "damage"),
    [
        ("JPEG", lambda data: data[:4] + bytes(range(256)) * 20),  # right signature, garbage after it
        ("JPEG", lambda data: _flip(data, data.find(b"\xff\xc4") + 4, 12)),  # broken Huffman table
        ("PNG", lambda data: _flip(data, data.find(b"IDAT") + 40)),  # broken compressed data
        ("PNG", lambda data: _flip(data, data.find(b"IHDR") + 12, 1)),  # header checksum mismatch
    ],
    ids=["jpeg-garbage", "jpeg-huffman", "png-idat", "png-crc"],
)
def test_inspect_image_refuses_corrupt_bytes(image_file, image_rules, fmt, damage):
    path = image_file(name=f"photo.{fmt.lower()}", format=fmt, size=(800, 600))
    path.write_bytes(damage(path.read_bytes()))

    assert rejection(path, image_rules()).code == "corrupt"


def _jpeg_declaring(image_file, width: int, height: int):
    """A small JPEG whose frame header is patched to declare width × height."""
    path = image_file(name="bomb.jpg", size=(64, 48))
    data = bytearray(path.read_bytes())
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("kind", "width", "height"),
    [("png", 30_000, 30_000), ("png", 11_000, 11_000), ("jpeg", 60_000, 60_000)],
    ids=["png-beyond-pillow-limit", "png-beyond-rules-only", "jpeg-beyond-pillow-limit"],
)
def test_inspect_image_refuses_decompression_bomb_quickly_with_little_memory(
    image_file, image_png_bomb, image_rules, kind, width, height
):
    path = image_png_bomb(width, height) if kind == "png" else _jpeg_declaring(image_file, width, height)
    assert path.stat().st_size < 2000
    process = psutil.Process()
    rss_before, peak_before = process.memory_info().rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    refused = rejection(path, image_rules())  # filterwarnings=error: Pillow's bomb warning must not escape

    assert time.perf_counter() - started < 1.0
    assert process.memory_info().rss - rss_before < 50 * 2**20
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 100 * 2**10  # KiB
    assert (refused.code, refused.params) == (
        "too_many_pixels",
        {"pixels": width * height, "max_pixels": 120_000_000},
    )


def test_inspect_image_refuses_more_pixels_than_rules_allow(image_file, image_rules):
    path = image_file(size=(1200, 1000))

    refused = rejection(path, image_rules(max_pixels=1_000_000))

    assert (refused.code, refused.params) == ("too_many_pixels", {"pixels": 1_200_000, "max_pixels": 1_000_000})


def test_inspect_image_refuses_image_below_min_long_edge(image_file, image_rules):
    path = image_file(size=(600, 800))

    refused = rejection(path, image_rules(min_long_edge_px=1000))

    assert (refused.code, refused.params) == ("too_small_dimensions", {"long_edge": 800, "min_long_edge": 1000})


# ---------------------------------------------------------------------------- HEIC


def test_inspect_image_accepts_heic_when_allowed(image_heic, image_rules):
    path = image_heic(size=(800, 600))

    info = inspect_image(path, image_rules(allowed_formats=frozenset({"heic"})))

    assert (info.format, info.width, info.height) == ("heic", 800, 600)


def test_inspect_image_refuses_heic_when_not_allowed(image_heic, image_rules):
    path = image_heic(size=(64, 48), name="photo.jpg")

    refused = rejection(path, image_rules(allowed_formats=frozenset({"jpeg", "png"})))

    assert (refused.code, refused.params) == ("format_not_allowed", {"format": "heic", "allowed": ["jpeg", "png"]})


def test_make_image_derivatives_handles_heic(image_heic, tmp_path):
    result = make_image_derivatives(image_heic(size=(800, 600)), tmp_path / "out")

    sizes = {f.name: (f.width, f.height) for f in result.files}
    assert sizes == {
        "w480.webp": (480, 360),
        "w1280.webp": (800, 600),
        "w2560.jpg": (800, 600),
        "social.jpg": (1200, 630),
    }


# ---------------------------------------------------------------------------- sniff_format


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avif", "avif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", None),
        (b"GIF89a", "gif"),
        (b"", None),
    ],
)
def test_sniff_format_names_format_from_signature(head, expected):
    assert sniff_format(head) == expected


# ---------------------------------------------------------------------------- make_image_derivatives


def test_make_image_derivatives_writes_every_size_from_large_jpeg(image_file, tmp_path):
    path = image_file(size=(3200, 2400))
    out = tmp_path / "out"

    result = make_image_derivatives(path, out)

    assert [f.name for f in result.files] == EXPECTED_NAMES
    expected = {
        "w480.webp": ("WEBP", "image/webp", (480, 360)),
        "w1280.webp": ("WEBP", "image/webp", (1280, 960)),
        "w2560.jpg": ("JPEG", "image/jpeg", (2560, 1920)),
        "social.jpg": ("JPEG", "image/jpeg", (1200, 630)),
    }
    for file in result.files:
        pillow_format, content_type, size = expected[file.name]
        img = opened(file.path)
        assert file.path == out / file.name
        assert (img.format, file.content_type, img.size, (file.width, file.height)) == (
            pillow_format,
            content_type,
            size,
            size,
        )
        assert img.mode == "RGB"
    assert opened(out / "w2560.jpg").info.get("progressive")


def test_make_image_derivatives_never_upscales_small_photo(image_file, tmp_path):
    result = make_image_derivatives(image_file(size=(800, 600)), tmp_path)

    sizes = {f.name: (f.width, f.height) for f in result.files}
    assert sizes == {
        "w480.webp": (480, 360),
        "w1280.webp": (800, 600),
        "w2560.jpg": (800, 600),
        "social.jpg": (1200, 630),
    }


def test_make_image_derivatives_crops_portrait_social_image_exactly(image_file, tmp_path):
    result = make_image_derivatives(image_file(size=(2000, 3000)), tmp_path)

    sizes = {f.name: (f.width, f.height) for f in result.files}
    assert sizes["social.jpg"] == (1200, 630)
    assert sizes["w2560.jpg"] == (1707, 2560)
    assert opened(tmp_path / "social.jpg").size == (1200, 630)


def test_make_image_derivatives_strips_all_metadata(
    image_file, image_rules, image_camera_exif, image_adobe_rgb_icc, tmp_path
):
    path = image_file(
        size=(1600, 1200),
        exif=image_camera_exif,
        comment=b"secret comment",
        xmp=b"<x:xmpmeta>secret xmp</x:xmpmeta>",
        icc_profile=image_adobe_rgb_icc,
    )
    assert inspect_image(path, image_rules()).exif["has_gps"] is True

    result = make_image_derivatives(path, tmp_path / "out")

    for file in result.files:
        img = opened(file.path)
        raw = file.path.read_bytes()
        assert len(img.getexif()) == 0, file.name
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(img.info), file.name
        for secret in (b"Exif", b"Canon", b"Tran Thi Binh", b"Lightroom", b"secret", b"Adobe RGB"):
            assert secret not in raw, (file.name, secret)


def test_make_image_derivatives_turns_rotated_phone_photo_upright(image_file, tmp_path):
    stored = Image.new("RGB", (3000, 2000), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 600, 400))  # red in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # phone held upright: rotate 90° clockwise to display
    path = image_file(img=stored, exif=exif)

    result = make_image_derivatives(path, tmp_path)

    sizes = {f.name: (f.width, f.height) for f in result.files}
    assert sizes == {
        "w480.webp": (320, 480),
        "w1280.webp": (853, 1280),
        "w2560.jpg": (1707, 2560),
        "social.jpg": (1200, 630),
    }
    upright = opened(tmp_path / "w1280.webp")
    assert _near(upright.getpixel((830, 20)), (255, 0, 0))  # now top-right
    assert _near(upright.getpixel((20, 20)), (0, 0, 255))


def _near(pixel, expected, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_make_image_derivatives_converts_cmyk_jpeg_to_rgb(image_file, tmp_path):
    path = image_file(img=Image.new("CMYK", (1600, 1200), (0, 255, 255, 0)))

    result = make_image_derivatives(path, tmp_path)

    for file in result.files:
        img = opened(file.path)
        assert img.mode == "RGB"
        assert _near(img.getpixel((10, 10)), (255, 0, 0)), file.name


def test_make_image_derivatives_scales_16_bit_png_to_8_bits(image_file, tmp_path):
    ramp = Image.linear_gradient("L").rotate(90).resize((1600, 1000))  # dark left, bright right
    wide = ramp.convert("I").point(lambda value: value * 257).convert("I;16")
    path = image_file(name="deep.png", format="PNG", img=wide)
    with Image.open(path) as stored:
        assert stored.mode == "I;16"

    result = make_image_derivatives(path, tmp_path)

    img = opened(by_name(result)["w1280.webp"].path)
    assert img.mode == "RGB"
    left, middle, right = (img.getpixel((x, 400))[0] for x in (5, 640, 1274))
    assert left < 30 and 100 < middle < 160 and right > 225  # not clipped to white


def test_make_image_derivatives_flattens_transparency_on_white(image_file, tmp_path):
    rgba = Image.new("RGBA", (1600, 1200), (0, 0, 0, 0))
    rgba.paste((255, 0, 0, 255), (600, 400, 1000, 800))
    path = image_file(name="logo.png", format="PNG", img=rgba)

    result = make_image_derivatives(path, tmp_path)

    for file in result.files:
        img = opened(file.path)
        assert img.mode == "RGB"
        assert _near(img.getpixel((5, 5)), (255, 255, 255)), file.name
        assert _near(img.getpixel((img.width // 2, img.height // 2)), (255, 0, 0)), file.name


def _see_through(img: Image.Image) -> Image.Image:
    """img as RGBA with a transparent left half."""
    rgba = img.convert("RGBA")
    rgba.paste((0, 0, 0, 0), (0, 0, img.width // 2, img.height))
    return rgba


@pytest.mark.parametrize(
    ("fmt", "make"),
    [
        ("PNG", lambda ramp: ramp.convert("P")),
        ("PNG", lambda ramp: _see_through(ramp).quantize()),  # palette with transparency (tRNS)
        ("PNG", lambda ramp: _see_through(ramp).convert("LA")),
        ("JPEG", lambda ramp: ramp),
        ("PNG", lambda ramp: ramp.convert("1")),
    ],
    ids=["P", "P-transparent", "LA", "L", "1"],
)
def test_make_image_derivatives_accepts_other_modes(image_file, tmp_path, fmt, make):
    path = image_file(name=f"photo.{fmt.lower()}", format=fmt, img=make(Image.linear_gradient("L").resize((900, 700))))

    result = make_image_derivatives(path, tmp_path)

    assert all(opened(file.path).mode == "RGB" for file in result.files)


def test_make_image_derivatives_converts_adobe_rgb_to_srgb(image_file, image_adobe_rgb_icc, tmp_path):
    adobe_green = (50, 160, 60)
    path = image_file(img=Image.new("RGB", (1600, 1200), adobe_green), icc_profile=image_adobe_rgb_icc, quality=95)
    adobe = ImageCms.ImageCmsProfile(io.BytesIO(image_adobe_rgb_icc))
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), adobe_green), adobe, ImageCms.createProfile("sRGB"), outputMode="RGB"
    ).getpixel((0, 0))
    assert not _near(expected, adobe_green, tolerance=20)  # the conversion is visible

    result = make_image_derivatives(path, tmp_path)

    for file in result.files:
        img = opened(file.path)
        assert "icc_profile" not in img.info  # untagged: browsers read it as sRGB
        assert _near(img.getpixel((img.width // 2, img.height // 2)), expected, tolerance=4), file.name


def test_make_image_derivatives_gives_valid_blurhash_placeholder(image_file, tmp_path):
    landscape = make_image_derivatives(image_file(size=(1600, 1200)), tmp_path / "a")
    portrait = make_image_derivatives(image_file(name="tall.jpg", size=(1200, 1600)), tmp_path / "b")

    assert blurhash.components(landscape.placeholder) == (4, 3)
    assert blurhash.components(portrait.placeholder) == (3, 4)
    assert len(landscape.placeholder) == 28
    pixels = blurhash.decode(landscape.placeholder, 8, 6)
    assert len(pixels) == 6 and len(pixels[0]) == 8


@pytest.mark.parametrize("content", [b"not an image", b"\xff\xd8\xff" + bytes(500)], ids=["text", "broken-jpeg"])
def test_make_image_derivatives_raises_processing_failed_for_undecodable_file(tmp_path, content):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)

    with pytest.raises(ProcessingFailed) as caught:
        make_image_derivatives(path, tmp_path / "out")

    assert caught.value.code == "image_processing_failed"
