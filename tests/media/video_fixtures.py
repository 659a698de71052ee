"""Tiny test videos made on the spot with the same ffmpeg binary the pipeline uses.

Every clip comes from lavfi sources (testsrc2, sine, color), is 1–3 s long and small, so a
whole test module generates its media in a few seconds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.media.video import ffmpeg_binary

X265_QUIET = "log-level=error"


def run_ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly, overwriting outputs; fail loudly with its stderr."""
    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    result = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")


def testsrc(size: str = "320x240", seconds: float = 2, rate: int = 25) -> list[str]:
    """Input arguments for ffmpeg's colourful moving test pattern."""
    return ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]


def sine(seconds: float = 2) -> list[str]:
    """Input arguments for a 1 kHz tone."""
    return ["-f", "lavfi", "-i", f"sine=frequency=1000:d={seconds}"]


def h264(preset: str = "ultrafast") -> list[str]:
    """Quick H.264 encoding arguments for source clips."""
    return ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p"]


def make_mp4(
    path: Path,
    *,
    size: str = "320x240",
    seconds: float = 2,
    rate: int = 25,
    audio: bool = True,
    faststart: bool = False,
) -> Path:
    """An H.264 (+ AAC) MP4 carrying title, comment and GPS location tags to be stripped."""
    args = testsrc(size, seconds, rate) + (sine(seconds) if audio else []) + h264()
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    args += ["-metadata", "title=Secret title", "-metadata", "comment=Secret comment"]
    args += ["-metadata", "location=+18.6796+105.6813/"]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg(*args, str(path))
    return path


def make_rotated_mov(src: Path, path: Path, rotation: int = 90) -> Path:
    """A QuickTime copy of src whose display matrix turns it by `rotation` degrees."""
    run_ffmpeg("-display_rotation", str(rotation), "-i", str(src), "-c", "copy", "-f", "mov", str(path))
    return path


def make_hdr_hevc(path: Path, transfer: str) -> Path:
    """A 10-bit HEVC BT.2020 clip tagged PQ ("smpte2084") or HLG ("arib-std-b67")."""
    tags = f"setparams=color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc:range=tv"
    args = [*testsrc(seconds=1), "-vf", tags, "-c:v", "libx265", "-preset", "ultrafast"]
    run_ffmpeg(*args, "-pix_fmt", "yuv420p10le", "-x265-params", X265_QUIET, "-tag:v", "hvc1", str(path))
    return path


def make_audio_only(path: Path) -> Path:
    """An AAC-only M4A (an MP4 with no video track)."""
    run_ffmpeg(*sine(1), "-c:a", "aac", "-f", "mp4", str(path))
    return path


def make_audio_with_cover(path: Path) -> Path:
    """An MP4 with a sound track and only a cover picture as its video stream."""
    cover = ["-f", "lavfi", "-i", "color=c=red:s=64x64:d=1"]
    args = [*sine(1), *cover, "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:a", "aac", "-c:v", "png"]
    run_ffmpeg(*args, "-disposition:v:0", "attached_pic", "-f", "mp4", str(path))
    return path


def make_matroska(path: Path, *, webm: bool = False) -> Path:
    """A Matroska (H.264) or WebM (VP8) clip: a real video, just not an allowed container."""
    codec = ["-c:v", "libvpx", "-deadline", "realtime", "-f", "webm"] if webm else [*h264(), "-f", "matroska"]
    run_ffmpeg(*testsrc(seconds=1), *codec, str(path))
    return path


def make_black_then_colour(path: Path) -> Path:
    """A 3 s clip whose first second is black, then the test pattern."""
    run_ffmpeg(*testsrc(seconds=3), "-vf", "fade=t=in:st=1:d=0.04", *h264(), str(path))
    return path


def write_hls_playlist(path: Path, url: str) -> Path:
    """An HLS playlist (text) pointing at `url`, saved under a video-looking name."""
    path.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{url}\n#EXT-X-ENDLIST\n")
    return path


def write_ffconcat(path: Path, target: Path) -> Path:
    """An ffconcat script that would splice in another local file."""
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return path


def truncate_copy(src: Path, path: Path, fraction: float = 0.5) -> Path:
    """The first `fraction` of src's bytes, like an upload cut short."""
    data = src.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def top_level_boxes(path: Path) -> list[str]:
    """The ISO-BMFF top-level box types in file order (to see moov before mdat)."""
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            break
        offset += size
    return boxes


def make_avif(path: Path) -> Path:
    """A single AVIF still image: ISO-BMFF boxes like an MP4, but no video."""
    args = ["-f", "lavfi", "-i", "testsrc2=s=64x64:d=0.04", "-frames:v", "1", "-c:v", "libaom-av1"]
    run_ffmpeg(*args, "-cpu-used", "8", "-still-picture", "1", "-f", "avif", str(path))
    return path
