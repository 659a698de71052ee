"""S3 backend against moto over real HTTP: presigned URLs, private objects, failures, the sweeper."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber

from app.storage import ObjectNotFound, S3Storage, StorageError, StorageUnavailable, new_key
from app.storage.s3 import _Body, _from_client_error
from tests.storage.conftest import S3_PREFIX

VIETNAMESE_NAME = "Đêm hội Sen.jpg"


def fetch(url: str):
    """GET a URL over HTTP; returns (status, headers, body)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def filename_star(content_disposition: str) -> str:
    """The RFC 5987 filename* of a Content-Disposition value, decoded."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", content_disposition)
    assert match, content_disposition
    return unquote(match.group(1), errors="strict")


@pytest.fixture
def unreachable(aws_credentials, boto_session) -> S3Storage:
    return S3Storage("media", endpoint_url=f"http://127.0.0.1:{closed_port()}", session=boto_session)


def test_s3_public_url_is_sigv4_and_serves_type_and_vietnamese_filename(s3_storage, make_file):
    source = make_file(2048)
    key = new_key("originals")
    s3_storage.put_file(key, source, "application/octet-stream")

    url = s3_storage.public_url(key, expires_s=600, content_type="image/jpeg", download_name=VIETNAMESE_NAME)
    status, headers, body = fetch(url)

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["600"]
    assert "Signature" not in query and "AWSAccessKeyId" not in query  # not SigV2
    assert urlsplit(url).path.startswith(f"/{s3_storage.bucket}/{S3_PREFIX}/")  # path-style
    assert status == 200 and body == source.read_bytes()
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"].startswith('attachment; filename="Dem hoi Sen.jpg"; ')
    assert filename_star(headers["Content-Disposition"]) == VIETNAMESE_NAME
    assert "immutable" not in headers.get("Cache-Control", "")


def test_s3_public_url_immutable_sets_long_cache_control(s3_storage, make_file):
    key = new_key("derivatives")
    s3_storage.put_file(key, make_file(100), "image/webp")

    _, headers, _ = fetch(s3_storage.public_url(key, immutable=True))

    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"] == "image/webp"


def test_s3_public_url_uses_cdn_base_only_for_immutable_objects(s3_server, s3_bucket, boto_session):
    storage = S3Storage(
        s3_bucket,
        endpoint_url=s3_server,
        key_prefix="/media/",
        public_base_url="https://cdn.example.org/",
        session=boto_session,
    )
    key = "derivatives/abc/w480.webp"

    assert storage.public_url(key, immutable=True) == "https://cdn.example.org/media/derivatives/abc/w480.webp"
    assert "X-Amz-Signature=" in storage.public_url(key)
    assert "X-Amz-Signature=" in storage.public_url(key, immutable=True, download_name="ảnh.webp")


def test_s3_public_url_refuses_expiry_beyond_sigv4_limit(s3_storage):
    with pytest.raises(ValueError):
        s3_storage.public_url(new_key("originals"), expires_s=8 * 24 * 3600)


def test_s3_put_file_stores_private_object_with_type_and_sha256_metadata(s3_storage, s3_client, make_file):
    key = new_key("originals")
    stored = s3_storage.put_file(key, make_file(1000), "image/jpeg")

    head = s3_client.head_object(Bucket=s3_storage.bucket, Key=f"{S3_PREFIX}/{key}")
    grants = s3_client.get_object_acl(Bucket=s3_storage.bucket, Key=f"{S3_PREFIX}/{key}")["Grants"]

    assert head["ContentType"] == "image/jpeg"
    assert head["Metadata"] == {"sha256": stored.sha256}
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers / AuthenticatedUsers


def test_s3_put_file_of_large_file_uses_managed_multipart(s3_storage, s3_client, make_file):
    source = make_file(9 * 1024 * 1024)  # above boto3's 8 MiB multipart threshold
    key = new_key("originals")

    stored = s3_storage.put_file(key, source, "video/mp4")

    head = s3_client.head_object(Bucket=s3_storage.bucket, Key=f"{S3_PREFIX}/{key}")
    assert head["ETag"].strip('"').endswith("-2")  # an object assembled from two parts
    assert head["Metadata"] == {"sha256": stored.sha256}
    with s3_storage.open(key) as stream:
        assert stream.read() == source.read_bytes()


def test_s3_abort_multipart_leaves_no_upload_in_the_bucket(s3_storage, s3_client, make_file):
    key = new_key("originals")
    upload_id = s3_storage.start_multipart(key, "video/mp4")
    s3_storage.put_part(key, upload_id, 1, make_file(1024))

    s3_storage.abort_multipart(key, upload_id)

    assert s3_client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []
    assert s3_client.list_objects_v2(Bucket=s3_storage.bucket).get("KeyCount") == 0


def test_s3_list_stale_multiparts_finds_an_old_upload(s3_storage):
    key = new_key("originals")
    upload_id = s3_storage.start_multipart(key, "video/mp4")

    assert s3_storage.list_stale_multiparts(datetime.now(UTC)) == [(key, upload_id)]


def test_s3_list_stale_multiparts_filters_by_initiated_time_and_strips_the_prefix(s3_storage):
    now = datetime.now(UTC)
    uploads = [
        {"Key": f"{S3_PREFIX}/originals/old", "UploadId": "u-old", "Initiated": now - timedelta(days=2)},
        {"Key": f"{S3_PREFIX}/originals/new", "UploadId": "u-new", "Initiated": now - timedelta(minutes=5)},
    ]
    with Stubber(s3_storage.client) as stubber:
        stubber.add_response(
            "list_multipart_uploads",
            {"Uploads": uploads, "IsTruncated": False},
            {"Bucket": s3_storage.bucket, "Prefix": f"{S3_PREFIX}/"},
        )
        stale = s3_storage.list_stale_multiparts(now - timedelta(days=1))

    assert stale == [("originals/old", "u-old")]


def test_s3_unreachable_endpoint_fails_fast_from_put_file(unreachable, make_file):
    source = make_file(1024)
    started = time.monotonic()

    with pytest.raises(StorageUnavailable):
        unreachable.put_file(new_key("originals"), source, "image/jpeg")

    assert time.monotonic() - started < 10
    assert source.stat().st_size == 1024  # the caller's file is untouched


def test_s3_unreachable_endpoint_fails_fast_from_start_multipart(unreachable):
    started = time.monotonic()

    with pytest.raises(StorageUnavailable):
        unreachable.start_multipart(new_key("originals"), "video/mp4")

    assert time.monotonic() - started < 10


@pytest.mark.parametrize("operation", ["exists", "open", "delete", "list_stale_multiparts"])
def test_s3_unreachable_endpoint_is_unavailable_for_every_call(unreachable, operation):
    key = new_key("originals")
    calls = {
        "exists": lambda: unreachable.exists(key),
        "open": lambda: unreachable.open(key),
        "delete": lambda: unreachable.delete(key),
        "list_stale_multiparts": lambda: unreachable.list_stale_multiparts(datetime.now(UTC)),
    }

    with pytest.raises(StorageUnavailable):
        calls[operation]()


def test_s3_missing_credentials_is_unavailable(s3_server, s3_bucket, monkeypatch, make_file):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    storage = S3Storage(s3_bucket, endpoint_url=s3_server)

    with pytest.raises(StorageUnavailable):
        storage.put_file(new_key("originals"), make_file(10), "image/jpeg")
    with pytest.raises(StorageUnavailable):
        storage.public_url(new_key("originals"))


def test_s3_missing_bucket_is_unavailable(s3_server, s3_bucket, boto_session, make_file):
    storage = S3Storage("no-such-bucket", endpoint_url=s3_server, session=boto_session)

    with pytest.raises(StorageUnavailable):
        storage.put_file(new_key("originals"), make_file(10), "image/jpeg")


def test_s3_client_signs_v4_with_path_style_and_bounded_retries(s3_storage):
    config = s3_storage.client.meta.config

    assert config.signature_version == "s3v4"
    assert config.s3 == {"addressing_style": "path"}
    assert (config.connect_timeout, config.read_timeout) == (5, 60)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


def test_s3_on_aws_presigns_on_the_regional_virtual_host(boto_session):
    storage = S3Storage("contest-media", region="eu-west-1", session=boto_session)

    url = urlsplit(storage.public_url("originals/abc"))

    assert url.netloc == "contest-media.s3.eu-west-1.amazonaws.com"
    assert url.path == "/originals/abc"


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("NoSuchKey", 404, ObjectNotFound),
        ("404", 404, ObjectNotFound),
        ("NoSuchUpload", 404, ObjectNotFound),
        ("InvalidAccessKeyId", 403, StorageUnavailable),
        ("SlowDown", 503, StorageUnavailable),
        ("SomethingNew", 502, StorageUnavailable),
        ("EntityTooSmall", 400, StorageError),
    ],
)
def test_s3_client_errors_map_to_storage_errors(code, status, expected):
    error = ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert type(_from_client_error(error, "k")) is expected


def test_s3_stream_read_timeout_is_unavailable():
    class TimingOutBody:
        def read(self, n: int) -> bytes:
            raise ReadTimeoutError(endpoint_url="http://s3")

        def close(self) -> None:
            pass

    with _Body(TimingOutBody()) as body, pytest.raises(StorageUnavailable):
        body.read(10)
