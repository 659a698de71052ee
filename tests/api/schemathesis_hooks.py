"""Schemathesis hooks for the test run (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import schemathesis

# tus PATCH bodies are raw bytes, sent like application/octet-stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
