"""What a contest accepts as a video, and the checks that apply it to a probed file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.media.rejections import MediaRejected
from app.media.video.probe import VideoInfo, probe_video

DURATION_GRACE_S = 0.5  # audio priming and rounding make a 60 s recording last 60.02 s


@dataclass(frozen=True)
class VideoRules:
    """What a contest accepts as a video upload."""

    allowed_formats: frozenset[str]  # subset of SUPPORTED_FORMATS
    max_bytes: int | None
    max_seconds: int | None
    max_width: int = 7680
    max_height: int = 7680
    max_fps: float = 120.0


def check_video(info: VideoInfo, rules: VideoRules, size_bytes: int) -> None:
    """Apply the contest's rules to a probed video; raise MediaRejected on the first broken one."""
    if size_bytes <= 0:
        raise MediaRejected("empty")
    if rules.max_bytes is not None and size_bytes > rules.max_bytes:
        raise MediaRejected("too_large", size=size_bytes, max_bytes=rules.max_bytes)
    if info.container not in rules.allowed_formats:
        raise MediaRejected("format_not_allowed", format=info.container, allowed=sorted(rules.allowed_formats))
    if rules.max_seconds is not None and info.duration_s > rules.max_seconds + DURATION_GRACE_S:
        raise MediaRejected("too_long", seconds=round(info.duration_s, 1), max_seconds=rules.max_seconds)
    long_limit, short_limit = max(rules.max_width, rules.max_height), min(rules.max_width, rules.max_height)
    if max(info.width, info.height) > long_limit or min(info.width, info.height) > short_limit:
        raise MediaRejected(
            "resolution_too_high",
            width=info.width,
            height=info.height,
            max_width=rules.max_width,
            max_height=rules.max_height,
        )
    if round(info.fps, 2) > rules.max_fps:
        raise MediaRejected("frame_rate_too_high", fps=round(info.fps, 2), max_fps=rules.max_fps)


def inspect_video(path: Path, rules: VideoRules) -> VideoInfo:
    """Size check, probe and rule check in one go, cheapest first."""
    size = Path(path).stat().st_size
    if size == 0:
        raise MediaRejected("empty")
    if rules.max_bytes is not None and size > rules.max_bytes:
        raise MediaRejected("too_large", size=size, max_bytes=rules.max_bytes)
    info = probe_video(path, rules.allowed_formats)
    check_video(info, rules, size)
    return info
