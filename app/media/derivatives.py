"""Plain descriptions of derivative files produced by processing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DerivativeFile:
    """One web copy written to local disk by processing, ready to be stored."""

    name: str  # e.g. "w480.webp", "w1280.webp", "w2560.jpg", "social.jpg", "720p.mp4", "poster.jpg"
    path: Path
    content_type: str
    width: int
    height: int
