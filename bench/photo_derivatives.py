"""Photo derivative cost: ours against a naive Pillow pipeline, a lean Pillow floor and pyvips.

One realistic 24 MP camera JPEG (6000×4000, noisy detail, quality 92, camera EXIF) is made
once in a temporary folder. Every contender writes the same four files – w2560.jpg
(progressive, q85), w1280.webp and w480.webp (q80, method/effort 4), social.jpg (1200×630
centre crop, q85) – and the variants run round-robin so that load from other processes
spreads over all of them. Printed: the median wall time of each and ours' ratio to it.

  ours         app.media.images.make_image_derivatives (orientation, sRGB, no metadata, blurhash)
  naive        open, exif_transpose, convert, Lanczos from the full image for every size, save
  fast Pillow  draft + resize chain + parallel saves, without metadata, colour or placeholder work
  pyvips       shrink-on-load thumbnail to 2560 in memory, then thumbnails of it, same saves

Run with: .venv/bin/python -m bench.photo_derivatives
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from app.media.images import ImageRules, inspect_image, make_image_derivatives

ROUNDS = 9
SIZE = (6000, 4000)
EDGES = {"w2560.jpg": 2560, "w1280.webp": 1280, "w480.webp": 480}
SOCIAL = (1200, 630)
LANCZOS = Image.Resampling.LANCZOS


def make_sample(path: Path) -> None:
    """A 24 MP JPEG with noise, gradients, a fractal and strokes, so it compresses like a photo."""
    width, height = SIZE
    noise = Image.effect_noise(SIZE, 40)
    gradient = Image.linear_gradient("L").resize(SIZE)
    red = Image.blend(noise, gradient, 0.5)
    green = Image.effect_mandelbrot(SIZE, (-2.2, -1.2, 1.0, 1.2), 60)
    blue = Image.blend(
        noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient.transpose(Image.Transpose.ROTATE_180), 0.6
    )
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    rnd = random.Random(2025)
    for _ in range(400):
        x, y = rnd.randrange(width), rnd.randrange(height)
        box = (x, y, x + rnd.randrange(20, 400), y + rnd.randrange(20, 400))
        draw.ellipse(box, outline=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)), width=3)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "Canon EOS R6", 1
    img.save(path, "JPEG", quality=92, exif=exif)


def fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """size scaled down so its long edge is edge."""
    scale = min(1.0, edge / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def save(img: Image.Image, target: Path) -> None:
    """The same encoder settings for every Pillow contender."""
    if target.suffix == ".webp":
        img.save(target, "WEBP", quality=80, method=4)
    elif target.name == "social.jpg":
        img.save(target, "JPEG", quality=85, optimize=True)
    else:
        img.save(target, "JPEG", quality=85, progressive=True)


def ours(src: Path, out: Path) -> None:
    """The module under test."""
    make_image_derivatives(src, out)


def naive_pillow(src: Path, out: Path) -> None:
    """What one writes first: full decode, every size resized from the full image."""
    with Image.open(src) as opened:
        img = ImageOps.exif_transpose(opened).convert("RGB")
    for name, edge in EDGES.items():
        save(img.resize(fit(img.size, edge), LANCZOS), out / name)
    save(ImageOps.fit(img, SOCIAL, LANCZOS), out / "social.jpg")


def fast_pillow(src: Path, out: Path) -> None:
    """The leanest Pillow route to the same files: draft, resize chain, saves on a second thread."""
    with Image.open(src) as img:
        img.draft("RGB", fit(img.size, max(EDGES.values())))
        img.load()
        full = img.size
        current: Image.Image = img
        with ThreadPoolExecutor(max_workers=2) as pool:
            saves = []
            for name, edge in EDGES.items():
                current = current.resize(fit(full, edge), LANCZOS, reducing_gap=2.0)
                saves.append(pool.submit(save, current, out / name))
                if name == "w1280.webp":
                    social = ImageOps.fit(current, SOCIAL, LANCZOS)
            saves.append(pool.submit(save, social, out / "social.jpg"))
            for job in saves:
                job.result()


def vips(src: Path, out: Path) -> None:
    """libvips through pyvips, with shrink-on-load and its own threads."""
    import pyvips

    largest = pyvips.Image.thumbnail(str(src), 2560).copy_memory()
    largest.jpegsave(str(out / "w2560.jpg"), Q=85, interlace=True, keep="none")
    middle = largest.thumbnail_image(1280).copy_memory()
    middle.webpsave(str(out / "w1280.webp"), Q=80, effort=4, keep="none")
    middle.thumbnail_image(480).webpsave(str(out / "w480.webp"), Q=80, effort=4, keep="none")
    social = middle.thumbnail_image(SOCIAL[0], height=SOCIAL[1], crop="centre")
    social.jpegsave(str(out / "social.jpg"), Q=85, optimize_coding=True, keep="none")


def vips_available() -> bool:
    """pyvips is a dev-only dependency; the benchmark runs without it."""
    try:
        import pyvips
    except (ImportError, OSError):
        return False
    pyvips.cache_set_max(0)  # no reuse of the decoded file between rounds
    return True


def timings(contenders: dict[str, Callable[[Path, Path], None]], src: Path, work: Path) -> dict[str, dict]:
    """Wall and CPU milliseconds (all threads) per run of each contender, round-robin after a warm-up round."""
    samples: dict[str, dict] = {name: {"wall": [], "cpu": []} for name in contenders}
    for round_no in range(ROUNDS + 1):
        for name, run in contenders.items():
            out = work / name.split()[0]
            out.mkdir(exist_ok=True)
            wall, cpu = time.perf_counter(), time.process_time()
            run(src, out)
            if round_no:
                samples[name]["wall"].append((time.perf_counter() - wall) * 1000)
                samples[name]["cpu"].append((time.process_time() - cpu) * 1000)
    return samples


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-photo-"))
    src = work / "camera.jpg"
    make_sample(src)
    contenders: dict[str, Callable[[Path, Path], None]] = {
        "ours": ours,
        "naive Pillow": naive_pillow,
        "fast Pillow": fast_pillow,
    }
    if vips_available():
        contenders["pyvips"] = vips
    else:
        print("pyvips not installed (pip install -r requirements-dev.txt): its row is skipped")
    rules = ImageRules(allowed_formats=frozenset({"jpeg"}), min_long_edge_px=None, min_bytes=None, max_bytes=None)
    contenders["inspect_image (validation)"] = lambda path, _out: inspect_image(path, rules)
    load_before = os.getloadavg()[0]
    samples = timings(contenders, src, work)
    summary = {
        name: {
            "wall": statistics.median(times["wall"]),
            "best": min(times["wall"]),
            "cpu": statistics.median(times["cpu"]),
        }
        for name, times in samples.items()
    }
    base = summary["ours"]
    print(f"source: {SIZE[0]}×{SIZE[1]} JPEG, {src.stat().st_size / 1e6:.1f} MB; {ROUNDS} rounds, round-robin;")
    print(f"{os.cpu_count()} CPUs, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after")
    print(f"{'contender':<28} {'wall ms':>8} {'best ms':>8} {'CPU ms':>8} {'ours÷it wall':>13} {'ours÷it CPU':>12}")
    for name, row in summary.items():
        ratios = f"{base['wall'] / row['wall']:>13.2f} {base['cpu'] / row['cpu']:>12.2f}"
        print(f"{name:<28} {row['wall']:>8.1f} {row['best']:>8.1f} {row['cpu']:>8.1f} {ratios}")
    print("(wall and CPU are medians; CPU counts every thread; inspect_image is not part of the others)")


if __name__ == "__main__":
    main()
