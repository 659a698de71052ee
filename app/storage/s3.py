"""An S3-compatible bucket through boto3: AWS S3, MinIO, Cloudflare R2 and the like.

Credentials come from the usual boto3 chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
a profile, an instance role). Objects are private; browsers get presigned SigV4 URLs, or
for immutable derivatives a CDN URL when S3_PUBLIC_BASE_URL is set. Timeouts are short and
retries bounded, so an unreachable endpoint fails within seconds as StorageUnavailable.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import quote

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from app.storage.base import (
    CHUNK_SIZE,
    IMMUTABLE_CACHE_CONTROL,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    StoredObject,
    check_key,
    check_older_than,
    check_sha256,
    content_disposition,
    hash_file,
    spooled_part,
)

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
MAX_ATTEMPTS = 3  # the first try included
MAX_PRESIGN_EXPIRY_S = 7 * 24 * 3600  # the SigV4 limit

NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
UNAVAILABLE_CODES = {
    "403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
    "InvalidToken", "TokenRefreshRequired", "RequestTimeTooSkewed", "NoSuchBucket",
    "RequestTimeout", "SlowDown", "ServiceUnavailable", "InternalError", "Throttling",
}


class S3Storage:
    """Objects in one bucket, optionally under a key prefix.

    Each instance makes its own boto3 session unless one is given (tests share one: building
    a session's S3 client parses the service model, about 0.2 s).
    """

    backend_name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        key_prefix: str = "",
        public_base_url: str | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        max_attempts: int = MAX_ATTEMPTS,
        session: boto3.session.Session | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket name (S3_BUCKET)")
        self.bucket = bucket
        self.key_prefix = key_prefix.strip("/") + "/" if key_prefix.strip("/") else ""
        self.public_base_url = (public_base_url or "").rstrip("/")
        config = client_config(endpoint_url, region, connect_timeout_s, read_timeout_s, max_attempts)
        self.client = (session or boto3.session.Session()).client(
            "s3", endpoint_url=endpoint_url or None, region_name=region, config=config
        )
        self.transfer_config = TransferConfig(io_chunksize=CHUNK_SIZE)

    # Objects

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Hash the file, then upload it (multipart when large) with its sha256 as metadata."""
        check_key(key)
        size, sha256 = hash_file(Path(path))
        extra_args = {"ContentType": content_type, "Metadata": {"sha256": sha256}}
        with s3_errors(key):
            self.client.upload_file(
                str(path), self.bucket, self._full(key), ExtraArgs=extra_args, Config=self.transfer_config
            )
        return StoredObject(key=key, size=size, sha256=sha256, content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        """A buffered stream over the object's body; read errors arrive as StorageUnavailable."""
        with s3_errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._full(check_key(key)))["Body"]
        return cast(BinaryIO, io.BufferedReader(_Body(body), buffer_size=CHUNK_SIZE))

    def download_to(self, key: str, path: Path) -> None:
        """Download the object (in parallel ranges when large) into path."""
        with s3_errors(key):
            self.client.download_file(self.bucket, self._full(check_key(key)), str(path), Config=self.transfer_config)

    def delete(self, key: str) -> None:
        """Delete the object; S3 deletes are already idempotent."""
        with s3_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(check_key(key)))

    def exists(self, key: str) -> bool:
        """Whether a HEAD finds the object."""
        try:
            self._head(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        """The object's size from a HEAD request."""
        return int(self._head(key)["ContentLength"])

    def public_url(
        self,
        key: str,
        *,
        expires_s: int = 3600,
        content_type: str | None = None,
        download_name: str | None = None,
        immutable: bool = False,
    ) -> str | None:
        """A presigned SigV4 GET URL, or base URL + key for immutable objects when a CDN is configured.

        The CDN URL serves the Content-Type stored with the object; a download_name still needs
        a presigned URL, since only S3 can add the Content-Disposition.
        """
        full_key = self._full(check_key(key))
        if immutable and self.public_base_url and download_name is None:
            return f"{self.public_base_url}/{quote(full_key, safe='/')}"
        if not 1 <= expires_s <= MAX_PRESIGN_EXPIRY_S:
            raise ValueError(f"expires_s must be between 1 and {MAX_PRESIGN_EXPIRY_S}")
        params = {"Bucket": self.bucket, "Key": full_key}
        if content_type:
            params["ResponseContentType"] = content_type
        if download_name:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        if immutable:
            params["ResponseCacheControl"] = IMMUTABLE_CACHE_CONTROL
        with s3_errors(key):
            return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s)

    def local_path(self, key: str) -> Path | None:
        """None: the object is not on this machine."""
        check_key(key)
        return None

    # Multipart uploads

    def start_multipart(self, key: str, content_type: str) -> str:
        """CreateMultipartUpload; returns the S3 upload id."""
        with s3_errors(key):
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self._full(check_key(key)), ContentType=content_type
            )
        return response["UploadId"]

    def put_part(self, key: str, upload_id: str, part_number: int, path: Path) -> str:
        """UploadPart from a file; sending the same part number again replaces that part."""
        full_key = self._full(check_key(key))
        with Path(path).open("rb") as body, s3_errors(key):
            response = self.client.upload_part(
                Bucket=self.bucket, Key=full_key, UploadId=upload_id, PartNumber=part_number, Body=body
            )
        return response["ETag"]

    def put_part_stream(self, key: str, upload_id: str, part_number: int, stream: BinaryIO, length: int) -> str:
        """Spool the part to a temporary file (a whole body the client can resend), then store it."""
        with spooled_part(stream, length) as path:
            return self.put_part(key, upload_id, part_number, path)

    def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]], sha256: str | None = None
    ) -> StoredObject:
        """CompleteMultipartUpload, then a HEAD for size and type; sha256 is trusted from the caller.

        The digest is not written to the object's metadata: metadata is fixed when the upload
        starts, before the bytes are known, and changing it later means rewriting the object.
        """
        if sha256 is not None:
            check_sha256(sha256)
        full_key = self._full(check_key(key))
        listing = {"Parts": [{"PartNumber": number, "ETag": etag} for number, etag in parts]}
        with s3_errors(key):
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=full_key, UploadId=upload_id, MultipartUpload=listing
            )
        head = self._head(key)
        return StoredObject(
            key=key, size=int(head["ContentLength"]), sha256=sha256 or "", content_type=head.get("ContentType", "")
        )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """AbortMultipartUpload; an unknown or finished upload is ignored."""
        with contextlib.suppress(ObjectNotFound), s3_errors(key):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._full(check_key(key)), UploadId=upload_id)

    def list_stale_multiparts(self, older_than: datetime) -> list[tuple[str, str]]:
        """Uploads under the key prefix that were initiated before older_than."""
        check_older_than(older_than)
        stale = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        with s3_errors("(multipart uploads)"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key_prefix):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < older_than:
                        stale.append((upload["Key"][len(self.key_prefix):], upload["UploadId"]))
        return stale

    # Helpers

    def _full(self, key: str) -> str:
        return self.key_prefix + key

    def _head(self, key: str) -> dict[str, Any]:
        with s3_errors(key):
            return self.client.head_object(Bucket=self.bucket, Key=self._full(check_key(key)))


def client_config(
    endpoint_url: str | None, region: str, connect_timeout_s: float, read_timeout_s: float, max_attempts: int
) -> BotoConfig:
    """Botocore settings: SigV4 always, path-style on custom endpoints, short timeouts, few retries."""
    return BotoConfig(
        region_name=region,
        signature_version="s3v4",  # without it boto3 presigns SigV2 URLs for custom endpoints
        # MinIO and most self-hosted endpoints have no per-bucket hostnames. On AWS, "virtual"
        # presigns on the regional host; the default uses the global one, which redirects (and
        # so breaks the signature) for buckets outside us-east-1 in their first hours.
        s3={"addressing_style": "path" if endpoint_url else "virtual"},
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        # Since botocore 1.36 every upload carries CRC checksums by default; several
        # S3-compatible services reject them, so send them only where S3 demands one.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


@contextlib.contextmanager
def s3_errors(key: str) -> Iterator[None]:
    """Turn boto3/botocore failures into StorageUnavailable, ObjectNotFound or StorageError."""
    try:
        yield
    except ClientError as exc:
        raise _from_client_error(exc, key) from exc
    except S3UploadFailedError as exc:
        # boto3 wraps the client error of a managed upload without chaining it explicitly.
        cause = exc.__context__
        if isinstance(cause, ClientError):
            raise _from_client_error(cause, key) from exc
        raise StorageError(f"upload of {key!r} failed: {exc}") from exc
    except (BotoCoreError, RetriesExceededError) as exc:
        # Connection refused or timed out, credentials missing, a response cut short.
        raise StorageUnavailable(f"S3 storage unavailable: {exc}") from exc


def _from_client_error(exc: ClientError, key: str) -> StorageError:
    """The storage error matching an S3 error response."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in NOT_FOUND_CODES:
        return ObjectNotFound(key)
    if code in UNAVAILABLE_CODES or status >= 500:
        return StorageUnavailable(f"S3 storage unavailable: {code} {error.get('Message', '')}".strip())
    return StorageError(f"S3 error for {key!r}: {code} {error.get('Message', '')}".strip())


class _Body(io.RawIOBase):
    """A raw stream over a GetObject body that reports network failures as StorageUnavailable."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with s3_errors("(stream)"):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
