"""Recognise a video container by its first bytes and read a file's facts with PyAV.

Only MP4 and MOV are parsed, always by ffmpeg's mov demuxer and from the local file only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av

from app.media.rejections import MediaRejected

SUPPORTED_FORMATS = frozenset({"mp4", "mov"})
MOV_DEMUXER = "mov"  # ffmpeg's "mov,mp4,m4a,3gp,3g2,mj2" demuxer
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})  # PQ, HLG

# AVColorTransferCharacteristic values, named as ffmpeg names them.
_TRANSFER_NAMES = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    9: "log100",
    10: "log316",
    11: "iec61966-2-4",
    12: "bt1361e",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    17: "smpte428",
    18: "arib-std-b67",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
_BMFF_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"sidx"}


@dataclass(frozen=True)
class VideoInfo:
    """What probing learnt about a video file."""

    container: str  # "mp4" or "mov"
    duration_s: float
    width: int  # display size: pixel aspect and rotation applied
    height: int
    fps: float
    video_codec: str
    has_audio: bool
    rotation: int  # 0/90/180/270, counter-clockwise as in ffmpeg's display matrix
    is_hdr: bool
    color_transfer: str | None


def sniff_container(head: bytes) -> str | None:
    """Name the container from the file's first bytes ("mp4", "mov", "mkv", …), or None."""
    if len(head) >= 12 and head[4:8] in _BMFF_BOXES:
        if head[4:8] == b"ftyp":
            brand = head[8:12]
            if brand in _HEIF_BRANDS:
                return None  # still images (HEIF/AVIF) share the box format
            return "mov" if brand == b"qt  " else "mp4"
        return "mov"  # pre-ftyp QuickTime files start with moov/mdat/wide
    return _sniff_other(head)


def _sniff_other(head: bytes) -> str | None:
    """Name the non-MP4 video containers worth a clear "format not allowed" message."""
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "wmv"
    if head.startswith((b"FLV", b"OggS")):
        return "flv" if head.startswith(b"FLV") else "ogg"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "mpeg"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "ts"
    return None


def _file_url(path: Path) -> str:
    """An explicit file: URL, so no part of the name is taken for a protocol."""
    return "file:" + str(Path(path).resolve())


def _open_mov(path: Path) -> av.container.InputContainer:
    """Open with the mov demuxer only, local file only; unreadable → corrupt."""
    try:
        return av.open(_file_url(path), format=MOV_DEMUXER, options={"protocol_whitelist": "file"})
    except av.FFmpegError:
        raise MediaRejected("corrupt") from None


def _real_video_stream(container: av.container.InputContainer) -> av.VideoStream:
    """The first video stream that is not a cover picture; none → no_video_stream."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise MediaRejected("no_video_stream")


def _is_truncated(container: av.container.InputContainer, size: int) -> bool:
    """True when the sample index points past the end of the file (an upload cut short)."""
    end = 0
    for stream in container.streams:
        for entry in stream.index_entries:
            end = max(end, entry.pos + entry.size)
    return end > size


def _first_frame(container: av.container.InputContainer, stream: av.VideoStream) -> av.VideoFrame:
    """Decode the first picture; a file whose first frame cannot be decoded is corrupt."""
    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError:
        pass
    raise MediaRejected("corrupt")


def _rotation(frame: av.VideoFrame, stream: av.VideoStream) -> int:
    """Display rotation in quarter turns counter-clockwise: display matrix, else the rotate tag."""
    degrees = frame.rotation
    if not degrees and stream.metadata.get("rotate", "").lstrip("-").isdigit():
        degrees = -int(stream.metadata["rotate"])  # the old tag counts clockwise
    return round(degrees / 90) * 90 % 360


def _display_size(frame: av.VideoFrame, stream: av.VideoStream, rotation: int) -> tuple[int, int]:
    """Frame size with non-square pixels stretched and quarter turns applied."""
    width, height = frame.width, frame.height
    sar = stream.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        width = round(width * sar)
    return (height, width) if rotation in (90, 270) else (width, height)


def _fps(stream: av.VideoStream) -> float:
    """Average frame rate, falling back to ffmpeg's guesses."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(rate)
    return 0.0


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    """Duration in seconds: the container's, else the video stream's."""
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def _transfer_name(frame: av.VideoFrame, stream: av.VideoStream) -> str | None:
    """The colour transfer characteristic's ffmpeg name, None when unspecified."""
    value = frame.color_trc or stream.codec_context.color_trc
    return _TRANSFER_NAMES.get(value)


def probe_video(path: Path, allowed_formats: Iterable[str] = SUPPORTED_FORMATS) -> VideoInfo:
    """Read a video's facts by content with PyAV (mov demuxer, local file only)."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(512)
    container_name = sniff_container(head)
    allowed = SUPPORTED_FORMATS & frozenset(allowed_formats)
    if container_name is None:
        raise MediaRejected("not_a_video", allowed=sorted(allowed))
    if container_name not in allowed:
        raise MediaRejected("format_not_allowed", format=container_name, allowed=sorted(allowed))
    with _open_mov(path) as container:
        stream = _real_video_stream(container)
        if _is_truncated(container, path.stat().st_size):
            raise MediaRejected("corrupt")
        frame = _first_frame(container, stream)
        rotation = _rotation(frame, stream)
        width, height = _display_size(frame, stream, rotation)
        transfer = _transfer_name(frame, stream)
        duration = _duration(container, stream)
        if duration <= 0 or width <= 0 or height <= 0:
            raise MediaRejected("corrupt")
        return VideoInfo(
            container=container_name,
            duration_s=duration,
            width=width,
            height=height,
            fps=_fps(stream),
            video_codec=stream.codec_context.name,
            has_audio=any(s.type == "audio" for s in container.streams),
            rotation=rotation,
            is_hdr=transfer in HDR_TRANSFERS,
            color_transfer=transfer,
        )
