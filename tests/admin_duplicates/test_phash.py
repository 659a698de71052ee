"""The perceptual hash on real transformed copies of a detailed picture, and the block search.

Run with -s to see the measured distances the threshold was chosen from.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from PIL import ExifTags, Image

from app.media.images import (
    NEAR_DUPLICATE_DISTANCE,
    close_pairs,
    hamming_distance,
    hashes_to_array,
    phash_file,
    phash_image,
)
from app.media.rejections import ProcessingFailed
from tests.admin_duplicates.pictures import (
    brightened,
    cropped_evenly,
    cropped_one_side,
    jpeg_bytes,
    recompressed,
    reopened,
    resized,
    scene,
)

COPIES = {
    "resized to 50 %": resized,
    "JPEG quality 40": recompressed,
    "resized to 50 % and JPEG quality 40": lambda picture: recompressed(resized(picture)),
    "cropped 2.5 % off each side": cropped_evenly,
    "cropped 5 % off one side": cropped_one_side,
    "brightened 10 %": brightened,
}


@pytest.fixture(scope="module")
def original() -> Image.Image:
    """A 2400×1600 photo-like picture, as the entrant's camera JPEG decodes."""
    return reopened(jpeg_bytes(scene(1), quality=92))


@pytest.mark.parametrize("name", list(COPIES))
def test_copies_are_within_the_near_duplicate_distance(original, name):
    distance = hamming_distance(phash_image(original), phash_image(COPIES[name](original)))
    print(f"\n{name}: {distance} bits")
    assert distance <= NEAR_DUPLICATE_DISTANCE


def test_different_pictures_are_all_beyond_the_distance(original):
    """24 other pictures, every pair among them and the original: no false positive."""
    hashes = [phash_image(original)] + [phash_image(scene(seed, (1600, 1067))) for seed in range(2, 26)]
    distances = [hamming_distance(a, b) for a, b in itertools.combinations(hashes, 2)]
    print(f"\ndifferent pictures: {len(distances)} pairs, nearest {sorted(distances)[:5]} bits")
    assert min(distances) > NEAR_DUPLICATE_DISTANCE


def test_hash_is_sixteen_hex_digits_and_stable(original):
    value = phash_image(original)
    assert len(value) == 16 and int(value, 16) >= 0
    assert phash_image(original.copy()) == value


def test_file_hash_applies_exif_orientation(tmp_path, original):
    """A copy stored on its side with an EXIF orientation tag saying "rotate" hashes like the original."""
    upright = tmp_path / "upright.jpg"
    upright.write_bytes(jpeg_bytes(original))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # displayed after a 90° clockwise turn
    sideways = tmp_path / "sideways.jpg"
    sideways.write_bytes(jpeg_bytes(original.transpose(Image.Transpose.ROTATE_90), exif=exif))
    untagged = tmp_path / "untagged.jpg"
    untagged.write_bytes(jpeg_bytes(original.transpose(Image.Transpose.ROTATE_90)))

    distance = hamming_distance(phash_file(upright), phash_file(sideways))
    print(f"\nrotated by metadata: {distance} bits")
    assert distance <= NEAR_DUPLICATE_DISTANCE
    assert hamming_distance(phash_file(upright), phash_file(untagged)) > NEAR_DUPLICATE_DISTANCE


def test_file_hash_matches_the_picture_hash(tmp_path, original):
    """Decoding a large JPEG at reduced scale barely moves the hash."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_bytes(original))
    assert hamming_distance(phash_file(path), phash_image(original)) <= 2


def test_hamming_distance_counts_differing_bits():
    assert hamming_distance("0000000000000000", "0000000000000000") == 0
    assert hamming_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hamming_distance("8000000000000001", "0000000000000000") == 2


def test_close_pairs_matches_a_plain_double_loop():
    """The blocked numpy search finds exactly the pairs the obvious loop finds, across block edges."""
    rng = random.Random(5)
    base = [rng.getrandbits(64) for _ in range(300)]
    # Near copies: flip a few bits of some hashes, so there is something to find.
    values = base + [value ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64)) for value in base[:60]]
    hashes = [f"{value:016x}" for value in values]
    expected = sorted(
        (i, j, hamming_distance(hashes[i], hashes[j]))
        for i, j in itertools.combinations(range(len(hashes)), 2)
        if hamming_distance(hashes[i], hashes[j]) <= NEAR_DUPLICATE_DISTANCE
    )
    found = sorted(close_pairs(hashes_to_array(hashes), NEAR_DUPLICATE_DISTANCE, block=64))
    assert len(found) >= 60
    assert found == expected


def test_close_pairs_of_nothing_is_empty():
    assert close_pairs(np.array([], dtype=np.uint64), NEAR_DUPLICATE_DISTANCE) == []


def test_unreadable_file_fails_processing(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    with pytest.raises(ProcessingFailed):
        phash_file(path)
