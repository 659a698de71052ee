"""Pieces of ffmpeg command lines, built with ffmpeg-python, shared by transcodes and posters."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from app.media.video.binary import ffmpeg_binary
from app.media.video.probe import MOV_DEMUXER, VideoInfo, _file_url


def _compile(stream_spec: ffmpeg.nodes.OutputStream) -> list[str]:
    """The argument list for an ffmpeg-python graph, quiet and non-interactive."""
    args = stream_spec.overwrite_output().compile(cmd=ffmpeg_binary())
    return [args[0], "-hide_banner", "-nostdin", "-loglevel", "error", *args[1:]]


def _input(src: Path, **options: object) -> ffmpeg.nodes.FilterableStream:
    """The source as an ffmpeg input: mov demuxer forced, local file protocol only."""
    return ffmpeg.input(_file_url(src), f=MOV_DEMUXER, protocol_whitelist="file", **options)


def _even(value: float) -> int:
    """Round down to an even number of pixels (4:2:0 needs it), at least 2."""
    return max(2, int(value) // 2 * 2)


def scaled_size(
    width: int, height: int, *, short_side: int | None = None, long_side: int | None = None
) -> tuple[int, int]:
    """Fit the short (or long) side to a size, never upscaling, keeping the aspect ratio."""
    side = min(width, height) if short_side is not None else max(width, height)
    limit = short_side if short_side is not None else long_side
    scale = min(1.0, limit / side) if limit else 1.0
    return _even(width * scale + 1e-6), _even(height * scale + 1e-6)


def _picture(
    stream: ffmpeg.nodes.FilterableStream, info: VideoInfo, size: tuple[int, int]
) -> ffmpeg.nodes.FilterableStream:
    """Resize to `size`, tone-map HDR to SDR BT.709, 8-bit 4:2:0, BT.709 tags, no side data."""
    width, height = size
    if info.is_hdr:
        stream = (
            stream.filter("zscale", w=width, h=height, t="linear", npl=100)
            .filter("format", "gbrpf32le")
            .filter("zscale", p="bt709")
            .filter("tonemap", tonemap="hable", desat=0)
            .filter("zscale", t="bt709", m="bt709", r="tv")
        )
    else:
        stream = stream.filter("scale", width, height, out_color_matrix="bt709", out_range="tv")
    return (
        stream.filter("format", "yuv420p")
        .filter("setsar", 1)
        .filter("setparams", color_primaries="bt709", color_trc="bt709", colorspace="bt709", range="tv")
        .filter("sidedata", mode="delete")
    )
