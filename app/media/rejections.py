"""Why a media file was refused, as a code plus the figures a message needs.

Processing code knows neither Flask nor translations; the media services turn a
MediaRejected into a translated message (app/media/messages.py).
"""

from __future__ import annotations


class MediaRejected(Exception):
    """A file failed validation; `code` names the rule, `params` carry the figures."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


class ProcessingFailed(Exception):
    """A valid file could not be processed (tool crashed, timed out); worth a retry."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")
