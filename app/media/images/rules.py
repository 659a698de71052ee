"""What a contest accepts as a photo."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageRules:
    """What a contest accepts as a photo."""

    allowed_formats: frozenset[str]  # subset of {"jpeg", "png", "heic"}
    min_long_edge_px: int | None
    min_bytes: int | None
    max_bytes: int | None
    max_pixels: int = 120_000_000
