"""Photo-like test pictures made on the spot, and the copies a cheater would enter."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

WIDTH, HEIGHT = 2400, 1600


def scene(seed: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    """A detailed picture, different for each seed: a sky-like gradient, hills, shapes, texture and noise."""
    rng = random.Random(seed)
    width, height = size
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    picture = Image.linear_gradient("L").resize(size).rotate(rng.choice([0, 90, 180, 270]), expand=False)
    picture = Image.composite(Image.new("RGB", size, top), Image.new("RGB", size, bottom), picture)
    draw = ImageDraw.Draw(picture)
    for _ in range(rng.randrange(2, 5)):  # hills: polygons along a random horizon
        base = rng.uniform(0.3, 0.9) * height
        points = [(x, base + rng.uniform(-0.2, 0.2) * height) for x in range(0, width + 200, 200)]
        draw.polygon([(0, height), *points, (width, height)], fill=_colour(rng))
    for _ in range(rng.randrange(15, 40)):  # objects: ellipses and rectangles of every size
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        w, h = rng.uniform(0.02, 0.3) * width, rng.uniform(0.02, 0.3) * height
        box = [x - w / 2, y - h / 2, x + w / 2, y + h / 2]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=_colour(rng))
    mandel = Image.effect_mandelbrot(
        (width // 4, height // 4), (-2 + rng.random(), -1.2, 1 + rng.random(), 1.2), 100
    ).resize(size)
    picture = Image.blend(picture, Image.merge("RGB", (mandel, mandel, mandel)), 0.15)
    picture = picture.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise(size, 25).convert("RGB")
    return Image.blend(picture, noise, 0.12)


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randrange(256) for _ in range(3))


def jpeg_bytes(picture: Image.Image, quality: int = 90, exif: Image.Exif | None = None) -> bytes:
    """The picture encoded as JPEG."""
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality, exif=exif or Image.Exif())
    return buffer.getvalue()


def reopened(data: bytes) -> Image.Image:
    """JPEG bytes decoded again."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def resized(picture: Image.Image, scale: float = 0.5) -> Image.Image:
    """Scaled down (a copy saved for the web)."""
    return picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS)


def recompressed(picture: Image.Image, quality: int = 40) -> Image.Image:
    """Saved again as a poor JPEG."""
    return reopened(jpeg_bytes(picture, quality=quality))


def cropped_evenly(picture: Image.Image, fraction: float = 0.05) -> Image.Image:
    """fraction of each dimension cut away, half off each side."""
    dx, dy = round(picture.width * fraction / 2), round(picture.height * fraction / 2)
    return picture.crop((dx, dy, picture.width - dx, picture.height - dy))


def cropped_one_side(picture: Image.Image, fraction: float = 0.05) -> Image.Image:
    """fraction of the width cut off the right-hand side."""
    return picture.crop((0, 0, picture.width - round(picture.width * fraction), picture.height))


def brightened(picture: Image.Image, factor: float = 1.1) -> Image.Image:
    """A little brighter."""
    return ImageEnhance.Brightness(picture).enhance(factor)
