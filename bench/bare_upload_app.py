"""The floor for an upload through gunicorn: a bare WSGI app that appends PATCH bodies to a file.

No framework, no database, no checks: what any Python upload endpoint behind gunicorn pays.
"""

from __future__ import annotations

import os

TARGET = os.environ.get("BARE_UPLOAD_TARGET", "/tmp/bare-upload.bin")
BLOCK = 4 * 1024 * 1024


def app(environ, start_response):
    """Append the request body to TARGET and fsync, like one chunk of a resumable upload."""
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    with open(TARGET, "ab") as out:
        while remaining:
            block = stream.read(min(BLOCK, remaining))
            if not block:
                break
            out.write(block)
            remaining -= len(block)
        out.flush()
        os.fsync(out.fileno())
    start_response("204 No Content", [])
    return [b""]
