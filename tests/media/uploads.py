"""A small tus client for tests, speaking to the app through Flask's test client."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

TUS = {"Tus-Resumable": "1.0.0"}


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


class TusClient:
    """Create an upload and send a file in chunks, with the session's CSRF token."""

    def __init__(self, client, chunk_size: int = 5 * 1024 * 1024):
        self.client = client
        self.chunk_size = chunk_size
        self.csrf = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]

    def headers(self, **extra) -> dict:
        return {**TUS, "X-CSRFToken": self.csrf, **extra}

    def create(self, length: int, category_id, filename: str = "ảnh.jpg", filetype: str = "image/jpeg"):
        metadata = f"filename {b64(filename)},filetype {b64(filetype)},category {b64(str(category_id))}"
        return self.client.post(
            "/api/v1/uploads", headers=self.headers(**{"Upload-Length": str(length), "Upload-Metadata": metadata})
        )

    def patch(self, location: str, offset: int, data: bytes):
        return self.client.patch(
            location,
            data=data,
            headers=self.headers(**{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}),
        )

    def upload(self, path: Path, category_id, filename: str | None = None):
        """Send a whole file; returns the final upload status JSON."""
        data = Path(path).read_bytes()
        created = self.create(len(data), category_id, filename or Path(path).name)
        assert created.status_code == 201, created.get_json()
        location = created.headers["Location"]
        offset = 0
        while offset < len(data):
            chunk = data[offset : offset + self.chunk_size]
            response = self.patch(location, offset, chunk)
            assert response.status_code == 204, response.get_json()
            offset = int(response.headers["Upload-Offset"])
        return self.client.get(location).get_json()


def jpeg_bytes(width: int, height: int, quality: int = 90) -> bytes:
    image = Image.effect_noise((width, height), 40).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
