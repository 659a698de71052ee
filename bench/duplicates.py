"""Near-duplicate search cost: every pair of 20,000 photo hashes, against two baselines.

Baselines, measured in the same run: the obvious pure-Python double loop (on a 2,000-hash sample,
extrapolated by the number of pairs, n²/2), and numpy's bare XOR + popcount over the same 20,000
hashes in one pass with nothing kept (the floor for any vectorised search). The ratios show that
the blocked search costs about what the floor costs, and how much it saves over the loop.

Run with: .venv/bin/python -m bench.duplicates
"""

from __future__ import annotations

import random
import time

import numpy as np

from app.media.images import NEAR_DUPLICATE_DISTANCE, close_pairs, hashes_to_array

PHOTOS = 20_000
SAMPLE = 2_000
PLANTED = 200  # near copies hidden among the random hashes, so the search has something to find


def random_hashes(count: int, seed: int = 2025) -> list[str]:
    """count random 64-bit hashes, the last PLANTED of them a few bits from earlier ones."""
    rng = random.Random(seed)
    values = [rng.getrandbits(64) for _ in range(count - PLANTED)]
    for _ in range(PLANTED):
        flips = sum(1 << bit for bit in rng.sample(range(64), rng.randrange(1, 8)))
        values.append(rng.choice(values) ^ flips)
    return [f"{value:016x}" for value in values]


def python_search(hashes: list[str], max_distance: int) -> int:
    """The baseline: a plain double loop over ints."""
    values = [int(value, 16) for value in hashes]
    found = 0
    for i, first in enumerate(values):
        for second in values[i + 1 :]:
            if (first ^ second).bit_count() <= max_distance:
                found += 1
    return found


def timed(function, *args) -> tuple[float, object]:
    """Wall time of one call, and its result."""
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def raw_xor_pass(array: np.ndarray) -> int:
    """XOR + popcount of every row against all later rows, nothing kept: the vectorised floor."""
    total = 0
    for start in range(0, len(array), 256):
        total += int(np.bitwise_count(array[start : start + 256, None] ^ array[None, start:]).min())
    return total


def main() -> None:
    hashes = random_hashes(PHOTOS)
    array = hashes_to_array(hashes)
    close_pairs(array[:1000], NEAR_DUPLICATE_DISTANCE)  # warm-up
    search_s, pairs = timed(close_pairs, array, NEAR_DUPLICATE_DISTANCE)
    floor_s, _ = timed(raw_xor_pass, array)
    sample_s, _ = timed(python_search, hashes[:SAMPLE], NEAR_DUPLICATE_DISTANCE)
    python_s = sample_s * (PHOTOS / SAMPLE) ** 2
    all_pairs = PHOTOS * (PHOTOS - 1) // 2
    print(f"{PHOTOS:,} hashes, {all_pairs:,} pairs, {len(pairs)} within {NEAR_DUPLICATE_DISTANCE} bits")
    print(f"{'search':<44} {'seconds':>9} {'x search':>9}")
    print(f"{'close_pairs (numpy, blocks of 256 rows)':<44} {search_s:>9.2f} {1.0:>9.1f}")
    print(f"{'numpy raw XOR + popcount pass (floor)':<44} {floor_s:>9.2f} {floor_s / search_s:>9.2f}")
    print(f"{f'pure Python loop ({SAMPLE:,} sample, extrapolated)':<44} {python_s:>9.2f} {python_s / search_s:>9.1f}")


if __name__ == "__main__":
    main()
