"""Web copies of a video: H.264/AAC MP4 renditions at 720p and, for large sources, 1080p."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import ffmpeg

from app.media.derivatives import DerivativeFile
from app.media.rejections import ProcessingFailed
from app.media.video.arguments import _compile, _input, _picture, scaled_size
from app.media.video.binary import run_ffmpeg
from app.media.video.probe import VideoInfo


@dataclass(frozen=True)
class Rendition:
    """One web copy of a video: file name, short-side size and bitrate cap."""

    name: str
    short_side: int
    maxrate: str
    bufsize: str


RENDITION_720P = Rendition("720p.mp4", 720, "3M", "6M")
RENDITION_1080P = Rendition("1080p.mp4", 1080, "6M", "12M")


def _renditions(info: VideoInfo) -> list[Rendition]:
    """720p always; 1080p as well when the source's short side has 1080 pixels."""
    if min(info.width, info.height) >= RENDITION_1080P.short_side:
        return [RENDITION_720P, RENDITION_1080P]
    return [RENDITION_720P]


def _encoding_options(rendition: Rendition, info: VideoInfo) -> dict[str, object]:
    """H.264 High / AAC settings for one rendition, metadata stripped, moov first."""
    options: dict[str, object] = {
        "c:v": "libx264",
        "profile:v": "high",
        "preset:v": "veryfast",
        "crf": 23,
        "maxrate:v": rendition.maxrate,
        "bufsize:v": rendition.bufsize,
        "pix_fmt": "yuv420p",
        "colorspace": "bt709",
        "color_primaries": "bt709",
        "color_trc": "bt709",
        "color_range": "tv",
        "flags:v": "+bitexact",
    }
    if info.fps > 60:
        options["r"] = 60
    if info.has_audio:
        options.update({"c:a": "aac", "b:a": "128k", "ac": 2, "flags:a": "+bitexact"})
    options.update(
        {
            "map_metadata": -1,
            "map_chapters": -1,
            "dn": None,
            "sn": None,
            "fflags": "+bitexact",
            "movflags": "+faststart",
            "f": "mp4",
        }
    )
    return options


def transcode_args(src: Path, out_dir: Path, info: VideoInfo) -> list[str]:
    """The ffmpeg command line (built with ffmpeg-python) that writes every rendition."""
    renditions = _renditions(info)
    source = _input(src)
    video = source["V:0"]
    branches = video.split() if len(renditions) > 1 else None
    outputs = []
    for index, rendition in enumerate(renditions):
        branch = branches[index] if branches is not None else video
        size = scaled_size(info.width, info.height, short_side=rendition.short_side)
        streams = [_picture(branch, info, size)]
        if info.has_audio:
            streams.append(source["a:0"])
        target = str(Path(out_dir).resolve() / rendition.name)
        outputs.append(ffmpeg.output(*streams, target, **_encoding_options(rendition, info)))
    return _compile(ffmpeg.merge_outputs(*outputs))


def output_size(path: Path) -> tuple[int, int]:
    """Width and height of the first video stream of a file we wrote; none → no_output."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, IndexError, FileNotFoundError):
        raise ProcessingFailed("no_output", str(path.name)) from None


def _unlink_all(paths: Iterable[Path]) -> None:
    """Remove partial outputs after a failure."""
    for path in paths:
        path.unlink(missing_ok=True)


def transcode_video(src: Path, out_dir: Path, info: VideoInfo, *, timeout_s: float) -> list[DerivativeFile]:
    """Write 720p.mp4 (and 1080p.mp4 for sources that large) into out_dir, overwriting."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / rendition.name for rendition in _renditions(info)]
    try:
        run_ffmpeg(transcode_args(src, out_dir, info), timeout_s)
        sizes = [output_size(path) for path in paths]
    except BaseException:
        _unlink_all(paths)
        raise
    return [
        DerivativeFile(name=path.name, path=path, content_type="video/mp4", width=width, height=height)
        for path, (width, height) in zip(paths, sizes, strict=True)
    ]
