"""Storage fixtures: every backend behind one `storage` fixture, S3 being moto over real HTTP.

The moto server runs once per test session in a thread on 127.0.0.1 and a port the OS
picks; each S3 test gets a fresh bucket and dummy credentials in its environment only.
These tests need no Flask app or database, so the suite-wide clean_state is replaced here.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.storage import Storage, storage_from_config
from app.storage.s3 import S3Storage

S3_REGION = "us-east-1"
S3_PREFIX = "contest-media"


@pytest.fixture(autouse=True)
def clean_state() -> None:
    """Storage tests touch no database, outbox or rate limits (overrides tests/conftest.py)."""


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 over HTTP on a free local port; yields the endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    """One boto3 session with dummy keys for all S3 tests (a new one per client costs ~0.2 s)."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=S3_REGION
    )


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials for this test only; no real profile, config file or instance role is read."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", S3_REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def s3_client(s3_server: str, boto_session: boto3.session.Session, aws_credentials: None):
    """A plain boto3 client on the moto server, to set up and inspect buckets behind the backend."""
    return boto_session.client("s3", endpoint_url=s3_server)


@pytest.fixture
def s3_bucket(s3_server: str, s3_client) -> Iterator[str]:
    """A fresh, empty bucket; moto's state is reset afterwards."""
    name = f"test-{uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    yield name
    request = urllib.request.Request(f"{s3_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=5):
        pass


@pytest.fixture
def s3_storage(s3_server: str, s3_bucket: str, boto_session: boto3.session.Session) -> S3Storage:
    """The S3 backend on the moto server, its objects under a key prefix."""
    return S3Storage(
        s3_bucket, endpoint_url=s3_server, region=S3_REGION, key_prefix=S3_PREFIX, session=boto_session
    )


@pytest.fixture(params=["local", "memory", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn, for the contract every backend keeps."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return storage_from_config({"STORAGE_BACKEND": request.param, "MEDIA_ROOT": tmp_path / "media"})


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[int], Path]:
    """Factory: a file of n random bytes in the test's folder."""

    def make(n: int) -> Path:
        path = tmp_path / "sources" / uuid4().hex
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(n))
        return path

    return make
