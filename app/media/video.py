"""Probe, validate and transcode uploaded videos with ffmpeg; no Flask, database or storage here.

Only MP4 and MOV (ISO base media / QuickTime) are ever parsed, and always by ffmpeg's mov
demuxer, whatever the file claims to be: a playlist (HLS), a concat script or a Matroska
file renamed to .mp4 is refused by its content, and neither PyAV nor the ffmpeg command
line may open anything but the local file (protocol whitelist "file").

Rejection codes (MediaRejected.code, then its params):

- "empty": the file has no bytes.
- "too_large" (size, max_bytes): more bytes than the rules allow.
- "not_a_video" (allowed): the content is no known video container (text, playlist, concat
  script, HEIF/AVIF still image…); allowed lists the accepted formats, e.g. ["mov", "mp4"].
- "format_not_allowed" (format, allowed): a video container the rules do not accept,
  e.g. format="mkv", allowed=["mov", "mp4"]. MP4 and MOV are told apart by the ftyp brand
  ("qt  " or no ftyp → mov) and are not interchangeable.
- "no_video_stream": a container without a real video track (audio-only M4A, or only a
  cover picture).
- "too_long" (seconds, max_seconds): longer than max_seconds plus DURATION_GRACE_S.
- "resolution_too_high" (width, height, max_width, max_height): the display size is larger
  than the rules allow, compared orientation-free (long side against the larger limit).
- "frame_rate_too_high" (fps, max_fps).
- "corrupt": the container or its first frame cannot be read, or the file is truncated.

probe_video raises not_a_video, format_not_allowed, no_video_stream and corrupt; check_video
the rule-based ones; inspect_video does both. Processing failures (ProcessingFailed.code) are
"timeout", "ffmpeg_failed" and "no_output".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import ffmpeg
import imageio_ffmpeg

from app.media.derivatives import DerivativeFile
from app.media.rejections import MediaRejected, ProcessingFailed

SUPPORTED_FORMATS = frozenset({"mp4", "mov"})
MOV_DEMUXER = "mov"  # ffmpeg's "mov,mp4,m4a,3gp,3g2,mj2" demuxer
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})  # PQ, HLG
DURATION_GRACE_S = 0.5  # audio priming and rounding make a 60 s recording last 60.02 s
POSTER_LONG_EDGE = 1280
POSTER_MIN_LUMA = 32.0  # mean full-range luma (0-255) below which a frame counts as black
POSTER_POSITIONS = (0.1, 0.25, 0.5)

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
class Rendition:
    """One web copy of a video: file name, short-side size and bitrate cap."""

    name: str
    short_side: int
    maxrate: str
    bufsize: str


RENDITION_720P = Rendition("720p.mp4", 720, "3M", "6M")
RENDITION_1080P = Rendition("1080p.mp4", 1080, "6M", "12M")


@dataclass(frozen=True)
class VideoRules:
    """What a contest accepts as a video upload."""

    allowed_formats: frozenset[str]  # subset of SUPPORTED_FORMATS
    max_bytes: int | None
    max_seconds: int | None
    max_width: int = 7680
    max_height: int = 7680
    max_fps: float = 120.0


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


def ffmpeg_binary() -> str:
    """The ffmpeg executable: $FFMPEG_BINARY, else ffmpeg on PATH, else imageio-ffmpeg's own."""
    return os.environ.get("FFMPEG_BINARY") or shutil.which("ffmpeg") or imageio_ffmpeg.get_ffmpeg_exe()


# --- probing -------------------------------------------------------------------------------


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


# --- running ffmpeg ------------------------------------------------------------------------


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group ffmpeg leads, then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def run_ffmpeg(args: list[str], timeout_s: float) -> None:
    """Run an ffmpeg command in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=max(timeout_s, 0.001))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ProcessingFailed("timeout", f"ffmpeg ran longer than {timeout_s:g} s") from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip()[-2000:]
        raise ProcessingFailed("ffmpeg_failed", f"exit {proc.returncode}: {detail}")


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


# --- poster --------------------------------------------------------------------------------


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
