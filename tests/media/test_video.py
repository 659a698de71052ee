"""The pure video pipeline: probing by content, rule checks, web transcodes and posters."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import time
from pathlib import Path

import av
import psutil
import pytest

from app.media import video
from app.media.rejections import MediaRejected, ProcessingFailed
from app.media.video import (
    VideoRules,
    check_video,
    inspect_video,
    make_poster,
    probe_video,
    scaled_size,
    transcode_video,
)
from tests.media import video_fixtures as vf

RULES = VideoRules(allowed_formats=frozenset({"mp4", "mov"}), max_bytes=50_000_000, max_seconds=60)
TIMEOUT_S = 60.0
BT709 = 1  # AVCOL_PRI_BT709 / AVCOL_TRC_BT709 / AVCOL_SPC_BT709
PRIVATE_TAGS = ("title", "comment", "location", "location-eng", "encoder")


# --- fixtures: generated once per module ---------------------------------------------------


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory) -> Path:
    """A folder holding this module's generated clips."""
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def video_mp4(video_dir) -> Path:
    """2 s 320x240 H.264 + AAC MP4 with private tags."""
    return vf.make_mp4(video_dir / "clip.mp4")


@pytest.fixture(scope="module")
def video_faststart_mp4(video_dir) -> Path:
    """The same clip with its index (moov) in front."""
    return vf.make_mp4(video_dir / "faststart.mp4", faststart=True)


@pytest.fixture(scope="module")
def video_rotated_mov(video_dir, video_mp4) -> Path:
    """The clip as a MOV whose display matrix turns it a quarter (portrait on screen)."""
    return vf.make_rotated_mov(video_mp4, video_dir / "rotated.mov", 90)


@pytest.fixture(scope="module")
def video_full_hd(video_dir) -> Path:
    """1 s of 1920x1080 at 5 fps, no audio: big enough for a 1080p rendition."""
    return vf.make_mp4(video_dir / "fullhd.mp4", size="1920x1080", seconds=1, rate=5, audio=False)


@pytest.fixture(scope="module")
def video_black_start(video_dir) -> Path:
    """3 s: one second of black, then colour."""
    return vf.make_black_then_colour(video_dir / "black_start.mp4")


@pytest.fixture(scope="module", params=["arib-std-b67", "smpte2084"], ids=["hlg", "pq"])
def video_hdr(request, video_dir) -> Path:
    """A 10-bit HEVC HDR clip, HLG or PQ."""
    return vf.make_hdr_hevc(video_dir / f"hdr_{request.param}.mp4", request.param)


def rules(**changes: object) -> VideoRules:
    """The default rules with some fields changed."""
    return dataclasses.replace(RULES, **changes)


def rejection(path: Path, rules_: VideoRules = RULES) -> MediaRejected:
    """The MediaRejected that inspect_video raises for path."""
    with pytest.raises(MediaRejected) as caught:
        inspect_video(path, rules_)
    return caught.value


def ffmpeg_children() -> list[psutil.Process]:
    """ffmpeg processes (running or zombie) started by this test process."""
    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]


# --- ffmpeg_binary ------------------------------------------------------------------------


def test_ffmpeg_binary_prefers_environment(monkeypatch):
    monkeypatch.setenv("FFMPEG_BINARY", "/opt/ffmpeg/bin/ffmpeg")
    assert video.ffmpeg_binary() == "/opt/ffmpeg/bin/ffmpeg"


def test_ffmpeg_binary_falls_back_to_imageio_ffmpeg(monkeypatch):
    monkeypatch.delenv("FFMPEG_BINARY", raising=False)
    monkeypatch.setattr(video.shutil, "which", lambda name: None)
    assert Path(video.ffmpeg_binary()).is_file()


# --- probing ------------------------------------------------------------------------------


def test_probe_video_reads_mp4_with_audio(video_mp4):
    info = probe_video(video_mp4)
    assert info.container == "mp4"
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.fps == pytest.approx(25.0)
    assert info.video_codec == "h264"
    assert info.has_audio
    assert not info.is_hdr


def test_probe_video_applies_display_rotation(video_rotated_mov):
    info = probe_video(video_rotated_mov)
    assert info.container == "mov"
    assert info.rotation == 90
    assert (info.width, info.height) == (240, 320)


@pytest.mark.parametrize(("rotation", "size"), [(90, (240, 320)), (180, (320, 240)), (-90, (240, 320))])
def test_probe_video_normalises_rotation_to_quarter_turns(video_mp4, tmp_path, rotation, size):
    info = probe_video(vf.make_rotated_mov(video_mp4, tmp_path / "turned.mov", rotation))
    assert (info.rotation, (info.width, info.height)) == (rotation % 360, size)


def test_probe_video_names_container_by_content_not_extension(video_mp4, tmp_path):
    disguised = shutil.copy(video_mp4, tmp_path / "clip.mov")
    assert probe_video(Path(disguised)).container == "mp4"


def test_probe_video_detects_hdr(video_hdr):
    info = probe_video(video_hdr)
    assert info.is_hdr
    assert info.video_codec == "hevc"
    assert info.color_transfer in {"arib-std-b67", "smpte2084"}


def test_probe_video_refuses_audio_only_mp4(tmp_path):
    assert rejection(vf.make_audio_only(tmp_path / "song.m4a")).code == "no_video_stream"


def test_probe_video_ignores_cover_picture_streams(tmp_path):
    assert rejection(vf.make_audio_with_cover(tmp_path / "podcast.mp4")).code == "no_video_stream"


@pytest.mark.parametrize("webm", [False, True], ids=["mkv", "webm"])
def test_inspect_video_refuses_matroska_as_format_not_allowed(tmp_path, webm):
    path = vf.make_matroska(tmp_path / "clip.mp4", webm=webm)
    refused = rejection(path)
    assert refused.code == "format_not_allowed"
    assert refused.params == {"format": "webm" if webm else "mkv", "allowed": ["mov", "mp4"]}


def test_inspect_video_refuses_container_outside_rules(video_mp4):
    refused = rejection(video_mp4, rules(allowed_formats=frozenset({"mov"})))
    assert (refused.code, refused.params) == ("format_not_allowed", {"format": "mp4", "allowed": ["mov"]})


def test_inspect_video_refuses_text_as_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("just some text, not a film\n" * 20)
    assert rejection(path).code == "not_a_video"


def test_inspect_video_refuses_still_image_in_mp4_boxes(tmp_path):
    refused = rejection(vf.make_avif(tmp_path / "photo.mp4"))
    assert (refused.code, refused.params) == ("not_a_video", {"allowed": ["mov", "mp4"]})


def test_inspect_video_refuses_hls_playlist_without_network(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/segment0.ts"
        playlist = vf.write_hls_playlist(tmp_path / "clip.mp4", url)
        started = time.monotonic()
        assert rejection(playlist).code == "not_a_video"
        with pytest.raises(MediaRejected, match="corrupt"):
            video._open_mov(playlist)  # even past the sniffer, the mov demuxer cannot parse it
        assert time.monotonic() - started < 2
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected


def test_transcode_video_refuses_to_follow_playlist(tmp_path, video_mp4):
    """Even with a forged VideoInfo, ffmpeg reads the playlist with the mov demuxer and fails."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        playlist = vf.write_hls_playlist(tmp_path / "p.mp4", f"http://127.0.0.1:{listener.getsockname()[1]}/a.ts")
        with pytest.raises(ProcessingFailed) as caught:
            transcode_video(playlist, tmp_path / "out", probe_video(video_mp4), timeout_s=10)
        assert caught.value.code == "ffmpeg_failed"
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert not (tmp_path / "out" / "720p.mp4").exists()


def test_inspect_video_refuses_ffconcat_script(tmp_path, video_mp4):
    script = vf.write_ffconcat(tmp_path / "joined.mp4", video_mp4)
    assert rejection(script).code == "not_a_video"
    with pytest.raises(ProcessingFailed):
        transcode_video(script, tmp_path / "out", probe_video(video_mp4), timeout_s=10)


@pytest.mark.parametrize("layout", ["moov_last", "moov_first"])
def test_inspect_video_refuses_truncated_upload_as_corrupt(tmp_path, video_mp4, video_faststart_mp4, layout):
    source = video_mp4 if layout == "moov_last" else video_faststart_mp4
    assert rejection(vf.truncate_copy(source, tmp_path / "cut.mp4")).code == "corrupt"


def test_inspect_video_refuses_garbage_after_mp4_header_as_corrupt(tmp_path):
    path = tmp_path / "garbage.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 40)
    assert rejection(path).code == "corrupt"


# --- rules --------------------------------------------------------------------------------


def test_inspect_video_refuses_zero_bytes_as_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.touch()
    assert rejection(path).code == "empty"


def test_inspect_video_refuses_file_over_max_bytes(video_mp4):
    refused = rejection(video_mp4, rules(max_bytes=1000))
    assert refused.code == "too_large"
    assert refused.params == {"size": video_mp4.stat().st_size, "max_bytes": 1000}


def test_inspect_video_refuses_clip_over_max_seconds(video_mp4):
    refused = rejection(video_mp4, rules(max_seconds=1))
    assert refused.code == "too_long"
    assert refused.params["max_seconds"] == 1
    assert refused.params["seconds"] == pytest.approx(2.0, abs=0.1)


def test_inspect_video_accepts_valid_clip(video_mp4):
    assert inspect_video(video_mp4, RULES).width == 320


def test_check_video_refuses_resolution_over_limits(video_mp4):
    with pytest.raises(MediaRejected) as caught:
        check_video(probe_video(video_mp4), rules(max_width=300, max_height=200), 1)
    assert caught.value.params == {"width": 320, "height": 240, "max_width": 300, "max_height": 200}


def test_check_video_compares_resolution_regardless_of_orientation(video_rotated_mov):
    check_video(probe_video(video_rotated_mov), rules(max_width=320, max_height=240), 1)


def test_check_video_refuses_frame_rate_over_limit(video_mp4):
    with pytest.raises(MediaRejected) as caught:
        check_video(probe_video(video_mp4), rules(max_fps=24.0), 1)
    assert (caught.value.code, caught.value.params) == ("frame_rate_too_high", {"fps": 25.0, "max_fps": 24.0})


def test_check_video_refuses_zero_size_as_empty(video_mp4):
    with pytest.raises(MediaRejected, match="empty"):
        check_video(probe_video(video_mp4), RULES, 0)


# --- transcoding --------------------------------------------------------------------------


def test_scaled_size_fits_short_side_without_upscaling():
    assert scaled_size(1920, 1080, short_side=720) == (1280, 720)
    assert scaled_size(1080, 1920, short_side=720) == (720, 1280)
    assert scaled_size(321, 241, short_side=720) == (320, 240)
    assert scaled_size(3840, 2160, long_side=1280) == (1280, 720)


def assert_web_mp4(path: Path, size: tuple[int, int], *, audio: bool) -> None:
    """H.264 High yuv420p BT.709, no rotation, no private tags, moov before mdat."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context
        assert (codec.name, stream.profile, codec.pix_fmt) == ("h264", "High", "yuv420p")
        assert (codec.color_primaries, codec.color_trc, codec.colorspace) == (BT709, BT709, BT709)
        assert (codec.width, codec.height) == size
        assert [s.codec_context.name for s in container.streams.audio] == (["aac"] if audio else [])
        assert not [s for s in container.streams if s.type not in ("video", "audio")]
        for tags in [container.metadata, *(s.metadata for s in container.streams)]:
            assert not set(tags) & {"title", "comment", "location", "location-eng"}, tags
        assert next(container.decode(stream)).rotation == 0
    boxes = vf.top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")


def test_transcode_video_writes_web_mp4_without_metadata(video_mp4, tmp_path):
    outputs = transcode_video(video_mp4, tmp_path, probe_video(video_mp4), timeout_s=TIMEOUT_S)
    assert [(o.name, o.content_type, o.width, o.height) for o in outputs] == [("720p.mp4", "video/mp4", 320, 240)]
    assert_web_mp4(outputs[0].path, (320, 240), audio=True)


def test_transcode_video_outputs_portrait_for_rotated_source(video_rotated_mov, tmp_path):
    [output] = transcode_video(video_rotated_mov, tmp_path, probe_video(video_rotated_mov), timeout_s=TIMEOUT_S)
    assert (output.width, output.height) == (240, 320)
    assert_web_mp4(output.path, (240, 320), audio=True)
    assert probe_video(output.path).rotation == 0


def test_transcode_video_tone_maps_hdr_to_sdr(video_hdr, tmp_path):
    [output] = transcode_video(video_hdr, tmp_path, probe_video(video_hdr), timeout_s=TIMEOUT_S)
    assert_web_mp4(output.path, (320, 240), audio=False)
    assert not probe_video(output.path).is_hdr


def test_transcode_video_adds_1080p_for_full_hd_source(video_full_hd, tmp_path):
    outputs = transcode_video(video_full_hd, tmp_path, probe_video(video_full_hd), timeout_s=TIMEOUT_S)
    assert [(o.name, o.width, o.height) for o in outputs] == [("720p.mp4", 1280, 720), ("1080p.mp4", 1920, 1080)]
    assert_web_mp4(outputs[1].path, (1920, 1080), audio=False)


def test_transcode_video_twice_leaves_one_set_of_outputs(video_mp4, tmp_path):
    info = probe_video(video_mp4)
    transcode_video(video_mp4, tmp_path, info, timeout_s=TIMEOUT_S)
    [output] = transcode_video(video_mp4, tmp_path, info, timeout_s=TIMEOUT_S)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["720p.mp4"]
    assert_web_mp4(output.path, (320, 240), audio=True)


def test_transcode_video_timeout_kills_ffmpeg(video_full_hd, tmp_path):
    info = probe_video(video_full_hd)
    with pytest.raises(ProcessingFailed) as caught:
        transcode_video(video_full_hd, tmp_path, info, timeout_s=0.05)
    assert caught.value.code == "timeout"
    assert ffmpeg_children() == []
    assert list(tmp_path.iterdir()) == []


def test_transcode_video_reports_ffmpeg_failure(tmp_path, video_mp4):
    forged = dataclasses.replace(probe_video(video_mp4), has_audio=False)
    missing = tmp_path / "missing.mp4"
    with pytest.raises(ProcessingFailed) as caught:
        transcode_video(missing, tmp_path / "out", forged, timeout_s=TIMEOUT_S)
    assert caught.value.code == "ffmpeg_failed"


# --- posters ------------------------------------------------------------------------------


def test_make_poster_skips_black_opening(video_black_start, tmp_path):
    info = probe_video(video_black_start)
    poster = make_poster(video_black_start, tmp_path / "poster.jpg", info, timeout_s=TIMEOUT_S)
    assert (poster.name, poster.content_type, poster.width, poster.height) == ("poster.jpg", "image/jpeg", 320, 240)
    assert video.mean_luma(poster.path) >= video.POSTER_MIN_LUMA


def test_make_poster_limits_long_edge(video_full_hd, tmp_path):
    poster = make_poster(video_full_hd, tmp_path / "poster.jpg", probe_video(video_full_hd), timeout_s=TIMEOUT_S)
    assert (poster.width, poster.height) == (1280, 720)


def test_make_poster_tone_maps_hdr(video_hdr, tmp_path):
    poster = make_poster(video_hdr, tmp_path / "poster.jpg", probe_video(video_hdr), timeout_s=TIMEOUT_S)
    assert (poster.width, poster.height) == (320, 240)
    assert video.mean_luma(poster.path) >= video.POSTER_MIN_LUMA


def test_make_poster_keeps_brightest_frame_of_dark_clip(tmp_path):
    dark = tmp_path / "dark.mp4"
    vf.run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=160x120:d=1", *vf.h264(), str(dark))
    poster = make_poster(dark, tmp_path / "poster.jpg", probe_video(dark), timeout_s=TIMEOUT_S)
    assert poster.path.is_file()
    assert video.mean_luma(poster.path) < video.POSTER_MIN_LUMA
