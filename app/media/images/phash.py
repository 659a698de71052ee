"""A perceptual hash of a photo: 64 bits that barely change when the photo is resized, re-compressed,
slightly cropped or brightened, so near-copies can be found by counting differing bits.

The classic DCT pHash: the picture upright (EXIF orientation applied), grey, shrunk to 32×32 with
Lanczos, a 2-D DCT-II, the 8×8 lowest frequencies kept, each bit set when its coefficient is above
their median (the DC term, the mean brightness, is left out of the median). Pure: Pillow and numpy,
no Flask, database or storage.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image

from app.media.images.colour import _flatten
from app.media.images.exif import _TRANSPOSE, _orientation
from app.media.images.formats import PILLOW_FORMATS, sniff_format
from app.media.images.pillow_guard import _DECODE_ERRORS, _open, _pillow_guard
from app.media.rejections import ProcessingFailed

HASH_BITS = 64
HASH_SIZE = 8  # the 8×8 low frequencies
SAMPLE_SIZE = 32  # the picture is shrunk to 32×32 before the DCT
# Decoding a large JPEG at a reduced scale (its DCT does that almost for free) to at least this size
# changes the 32×32 sample by less than a grey level and saves most of the time.
DRAFT_EDGE = 256
# Two photos are near duplicates at this Hamming distance or less. Measured on 2400×1600 generated
# photos (tests/admin_duplicates): halving the size, JPEG quality 40 and +10 % brightness move the
# hash 0–2 bits; cropping 5 % (evenly or off one side) 2–12 bits; unrelated photos were 18 bits
# apart or more (80 of them, every pair). Uniform random hashes are this close once in ~4 million
# pairs, so a national contest's 20,000 photos may show a few dozen pairs to dismiss by eye.
NEAR_DUPLICATE_DISTANCE = 12


def phash_image(img: Image.Image) -> str:
    """The 64-bit perceptual hash of an upright picture, as 16 hex digits."""
    grey = img.convert("L").resize((SAMPLE_SIZE, SAMPLE_SIZE), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.float64)
    matrix = _dct_matrix(SAMPLE_SIZE)
    low = (matrix @ pixels @ matrix.T)[:HASH_SIZE, :HASH_SIZE].ravel()
    median = np.median(low[1:])
    bits = low > median
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def phash_file(path: Path) -> str:
    """The perceptual hash of a photo file, EXIF orientation applied; ProcessingFailed if unreadable."""
    try:
        with _pillow_guard():
            with path.open("rb") as fh:
                fmt = sniff_format(fh.read(32))
            if fmt not in PILLOW_FORMATS:
                raise ValueError(f"not a supported image: {fmt}")
            with _open(path, fmt) as img:
                orientation = _orientation(img)
                img.draft("L", (DRAFT_EDGE, DRAFT_EDGE))
                img.load()
                picture = _flatten(img)
        if orientation != 1:
            picture = picture.transpose(_TRANSPOSE[orientation])
        return phash_image(picture)
    except (*_DECODE_ERRORS, Image.DecompressionBombError, MemoryError) as exc:
        raise ProcessingFailed("image_processing_failed", f"{type(exc).__name__}: {exc}") from exc


def hamming_distance(first: str, second: str) -> int:
    """How many of the 64 bits differ between two hex hashes."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def hashes_to_array(hashes: list[str]) -> np.ndarray:
    """Hex hashes as an array of unsigned 64-bit integers, for vectorised comparison."""
    return np.array([int(value, 16) for value in hashes], dtype=np.uint64)


def close_pairs(hashes: np.ndarray, max_distance: int, block: int = 256) -> list[tuple[int, int, int]]:
    """Every pair (i, j, distance) with i < j whose hashes differ in at most max_distance bits.

    XOR and popcount in blocks of rows against all later rows: memory stays near 9 × block × n
    bytes and the work is numpy's, not a Python double loop.
    """
    count = len(hashes)
    found: list[tuple[int, int, int]] = []
    for start in range(0, count, block):
        rows = hashes[start : start + block]
        distances = np.bitwise_count(rows[:, None] ^ hashes[None, start:])
        # Each pair once: in the block's own square, only the columns right of the diagonal.
        distances[np.tril_indices(len(rows))] = HASH_BITS + 1
        row_index, column_index = np.nonzero(distances <= max_distance)
        for i, j in zip(row_index.tolist(), column_index.tolist(), strict=True):
            found.append((start + i, start + j, int(distances[i, j])))
    return found


@functools.cache
def _dct_matrix(size: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: the DCT of x is M @ x (and of a 2-D block, M @ X @ M.T)."""
    k = np.arange(size)[:, None]
    n = np.arange(size)[None, :]
    matrix = np.sqrt(2 / size) * np.cos(np.pi * (2 * n + 1) * k / (2 * size))
    matrix[0, :] = np.sqrt(1 / size)
    return matrix
