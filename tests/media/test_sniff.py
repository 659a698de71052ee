"""The early look at an upload's first bytes."""

from __future__ import annotations

import pytest

from app.media.sniff import compatible, sniff_format


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0" + b"\0" * 12, "jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "png"),
        (b"\x00\x00\x00\x18ftypheic" + b"\0" * 8, "heic"),
        (b"\x00\x00\x00\x18ftypisom" + b"\0" * 8, "mp4"),
        (b"\x00\x00\x00\x14ftypqt  " + b"\0" * 8, "mov"),
        (b"#EXTM3U\n#EXT-X-VERSION:3\n", None),
        (b"<?php echo 1; ?>", None),
    ],
)
def test_sniff_format_recognises_by_content(head, expected):
    assert sniff_format(head) == expected


def test_compatible_accepts_mp4_family_and_refuses_unknown():
    assert compatible("mov", ["mp4"])
    assert not compatible("png", ["jpeg"])
    assert not compatible(None, ["jpeg"])
