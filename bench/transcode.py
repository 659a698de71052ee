"""Video transcode cost against bare ffmpeg.

Baseline: the very argument list transcode_video compiles (same binary, same settings), run
directly with subprocess.run. The wrapper adds argument building, a process group, the
timeout watch and probing of the outputs; its overhead ratio should stay within 1.10 on any
machine, while the realtime factor (clip seconds per wall second) shows the machine's speed.
On a shared machine the medians are noisy: the min column and the measured wrapper work
outside ffmpeg tell the real overhead apart from load spikes.

Run: python -m bench.transcode
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.media.video import ffmpeg_binary, output_size, probe_video, transcode_args, transcode_video

CLIP_SECONDS = 20
CLIP_SIZE = "1920x1080"
ROUNDS = 3
TARGET_OVERHEAD = 1.10


def make_clip(path: Path) -> None:
    """A 20 s 1080p25 H.264 + AAC test clip (testsrc2 + sine)."""
    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=s={CLIP_SIZE}:r=25:d={CLIP_SECONDS}"]
    command += ["-f", "lavfi", "-i", f"sine=frequency=440:d={CLIP_SECONDS}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)]
    subprocess.run(command, check=True)


def timed(action: Callable[[], object]) -> float:
    """Wall seconds one call of action takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as work:
        run(Path(work))


def run(work: Path) -> None:
    """Make the clip in `work`, then time both variants there and print the table."""
    clip = work / "clip.mp4"
    print(f"generating {CLIP_SECONDS} s {CLIP_SIZE} clip: {timed(lambda: make_clip(clip)):.1f} s")
    info = probe_video(clip)
    wrapped_dir, bare_dir = work / "wrapped", work / "bare"
    bare_dir.mkdir()
    bare_command = transcode_args(clip, bare_dir, info)
    print("bare command:", subprocess.list2cmdline(bare_command))

    runs: dict[str, Callable[[], object]] = {
        "transcode_video": lambda: transcode_video(clip, wrapped_dir, info, timeout_s=600),
        "bare ffmpeg": lambda: subprocess.run(bare_command, check=True),
    }
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(ROUNDS):  # interleaved, alternating who goes first, so load drift hits both alike
        for name in sorted(runs, reverse=bool(round_ % 2)):
            samples[name].append(timed(runs[name]))
    outputs = ", ".join(sorted(p.name for p in wrapped_dir.iterdir()))

    baseline = statistics.median(samples["bare ffmpeg"])
    print(f"\noutputs: {outputs}; {ROUNDS} rounds")
    print(f"{'variant':<18} {'median s':>9} {'min s':>7} {'x realtime':>11} {'x bare':>7}  samples")
    for name, values in samples.items():
        cost = statistics.median(values)
        shown = " ".join(f"{value:.2f}" for value in values)
        realtime = info.duration_s / cost
        print(f"{name:<18} {cost:>9.2f} {min(values):>7.2f} {realtime:>11.2f} {cost / baseline:>7.3f}  {shown}")
    outside = timed(lambda: [transcode_args(clip, wrapped_dir, info), *map(output_size, wrapped_dir.iterdir())])
    print(f"wrapper work outside ffmpeg (build args, probe outputs): {outside * 1000:.0f} ms")
    overhead = statistics.median(samples["transcode_video"]) / baseline
    verdict = "within" if overhead <= TARGET_OVERHEAD else "OVER"
    print(f"overhead {overhead:.3f} ({verdict} the {TARGET_OVERHEAD:.2f} target)")


if __name__ == "__main__":
    main()
