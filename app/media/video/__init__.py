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

The code lives in small modules: binary (finding and running ffmpeg), probe (container
sniffing and PyAV probing), rules (VideoRules and the checks), arguments (ffmpeg-python
command pieces), transcode (the MP4 renditions) and poster (the JPEG poster). This package
re-exports them so callers write `video.inspect_video(...)` whatever module holds it.
"""

import shutil  # noqa: F401  (tests patch video.shutil.which, the lookup ffmpeg_binary uses)

from app.media.video.arguments import scaled_size
from app.media.video.binary import ffmpeg_binary, run_ffmpeg
from app.media.video.poster import (
    POSTER_LONG_EDGE,
    POSTER_MIN_LUMA,
    POSTER_POSITIONS,
    make_poster,
    mean_luma,
    poster_args,
)
from app.media.video.probe import (
    HDR_TRANSFERS,
    MOV_DEMUXER,
    SUPPORTED_FORMATS,
    VideoInfo,
    _open_mov,  # noqa: F401  (tests open a file past the sniffer)
    probe_video,
    sniff_container,
)
from app.media.video.rules import DURATION_GRACE_S, VideoRules, check_video, inspect_video
from app.media.video.transcode import (
    RENDITION_720P,
    RENDITION_1080P,
    Rendition,
    output_size,
    transcode_args,
    transcode_video,
)

__all__ = [
    "DURATION_GRACE_S",
    "HDR_TRANSFERS",
    "MOV_DEMUXER",
    "POSTER_LONG_EDGE",
    "POSTER_MIN_LUMA",
    "POSTER_POSITIONS",
    "RENDITION_720P",
    "RENDITION_1080P",
    "SUPPORTED_FORMATS",
    "Rendition",
    "VideoInfo",
    "VideoRules",
    "check_video",
    "ffmpeg_binary",
    "inspect_video",
    "make_poster",
    "mean_luma",
    "output_size",
    "poster_args",
    "probe_video",
    "run_ffmpeg",
    "scaled_size",
    "sniff_container",
    "transcode_args",
    "transcode_video",
]
