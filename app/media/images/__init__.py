"""Photo validation and web derivatives, with Pillow only: no Flask, database or storage.

`inspect_image()` judges an upload by its content (never its name) and returns what it
is; `make_image_derivatives()` turns an inspected file into metadata-free sRGB web copies
and a blurhash placeholder. This package re-exports them so callers write
`images.inspect_image(...)` whatever module holds it.

  formats       sniff_format() and Pillow's names for the formats we accept
  rules         ImageRules, what a contest accepts
  pillow_guard  opening untrusted files with Pillow, its warnings and bomb error handled
  exif          the orientation still to apply and the EXIF summary
  validation    inspect_image() and ImageInfo; the rejection codes are listed there
  colour        flattening to RGB/L/CMYK and conversion to sRGB
  derivatives   make_image_derivatives(), ImageDerivatives and the blurhash placeholder
  phash         the perceptual hash that finds near-copies, and Hamming distances between hashes
"""

from app.media.images.derivatives import (
    FILE_ORDER,
    JPEG_QUALITY,
    LONG_EDGES,
    PLACEHOLDER_EDGE,
    SOCIAL_SIZE,
    WEBP_QUALITY,
    ImageDerivatives,
    make_image_derivatives,
)
from app.media.images.exif import exif_summary
from app.media.images.formats import PILLOW_FORMATS, sniff_format
from app.media.images.phash import (
    NEAR_DUPLICATE_DISTANCE,
    close_pairs,
    hamming_distance,
    hashes_to_array,
    phash_file,
    phash_image,
)
from app.media.images.rules import ImageRules
from app.media.images.validation import ImageInfo, inspect_image

__all__ = [
    "FILE_ORDER",
    "JPEG_QUALITY",
    "LONG_EDGES",
    "NEAR_DUPLICATE_DISTANCE",
    "PILLOW_FORMATS",
    "PLACEHOLDER_EDGE",
    "SOCIAL_SIZE",
    "WEBP_QUALITY",
    "ImageDerivatives",
    "ImageInfo",
    "ImageRules",
    "close_pairs",
    "exif_summary",
    "hamming_distance",
    "hashes_to_array",
    "inspect_image",
    "make_image_derivatives",
    "phash_file",
    "phash_image",
    "sniff_format",
]
