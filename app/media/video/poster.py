"""A JPEG poster for a video, taken from the first candidate frame that is not (nearly) black."""

from __future__ import annotations

import time
from pathlib import Path

import av
import ffmpeg

from app.media.derivatives import DerivativeFile
from app.media.rejections import ProcessingFailed
from app.media.video.arguments import _compile, _input, _picture, scaled_size
from app.media.video.binary import run_ffmpeg
from app.media.video.probe import VideoInfo
from app.media.video.transcode import output_size

POSTER_LONG_EDGE = 1280
POSTER_MIN_LUMA = 32.0  # mean full-range luma (0-255) below which a frame counts as black
POSTER_POSITIONS = (0.1, 0.25, 0.5)


def poster_args(src: Path, out_path: Path, info: VideoInfo, at_s: float) -> list[str]:
    """The ffmpeg command line writing one JPEG frame taken at `at_s` seconds."""
    size = scaled_size(info.width, info.height, long_side=POSTER_LONG_EDGE)
    picture = _picture(_input(src, ss=f"{at_s:.3f}")["V:0"], info, size)
    options = {"frames:v": 1, "c:v": "mjpeg", "q:v": 3, "flags:v": "+bitexact", "map_metadata": -1}
    return _compile(ffmpeg.output(picture, str(Path(out_path).resolve()), f="image2", update=1, **options))


def mean_luma(path: Path) -> float:
    """Mean luma (0-255) of an image or first video frame we wrote, on a 32x32 thumbnail."""
    try:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0)).reformat(width=32, height=32, format="gray")
    except (av.FFmpegError, StopIteration, FileNotFoundError):
        raise ProcessingFailed("no_output", str(Path(path).name)) from None
    plane = frame.planes[0]
    data = bytes(plane)
    rows = [data[row * plane.line_size : row * plane.line_size + 32] for row in range(32)]
    return sum(sum(row) for row in rows) / (32 * 32)


def _poster_times(info: VideoInfo) -> list[float]:
    """Candidate timestamps in seconds, earliest first."""
    if info.duration_s <= 0:
        return [0.0]
    return [info.duration_s * position for position in POSTER_POSITIONS]


def make_poster(src: Path, out_path: Path, info: VideoInfo, *, timeout_s: float) -> DerivativeFile:
    """Write a JPEG poster from the first candidate frame that is not (nearly) black."""
    out_path = Path(out_path)
    deadline = time.monotonic() + timeout_s
    best: tuple[float, float] | None = None  # (luma, time)
    written_at = None
    try:
        for at_s in _poster_times(info):
            run_ffmpeg(poster_args(src, out_path, info, at_s), deadline - time.monotonic())
            written_at, luma = at_s, mean_luma(out_path)
            if luma >= POSTER_MIN_LUMA:
                break
            if best is None or luma > best[0]:
                best = (luma, at_s)
        else:
            if best is not None and best[1] != written_at:
                run_ffmpeg(poster_args(src, out_path, info, best[1]), deadline - time.monotonic())
        width, height = output_size(out_path)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return DerivativeFile(name=out_path.name, path=out_path, content_type="image/jpeg", width=width, height=height)
