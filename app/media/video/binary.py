"""Find the ffmpeg executable and run it with a deadline, killing its whole process group."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess

import imageio_ffmpeg

from app.media.rejections import ProcessingFailed


def ffmpeg_binary() -> str:
    """The ffmpeg executable: $FFMPEG_BINARY, else ffmpeg on PATH, else imageio-ffmpeg's own."""
    return os.environ.get("FFMPEG_BINARY") or shutil.which("ffmpeg") or imageio_ffmpeg.get_ffmpeg_exe()


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
