"""S3 fixtures shared by the storage and media tests: moto's S3 server over real HTTP.

The moto server runs once per test session in a thread on 127.0.0.1 and a port the OS
picks; each S3 test gets a fresh bucket and dummy credentials in its environment only.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.storage.s3 import S3Storage

S3_REGION = "us-east-1"
S3_PREFIX = "contest-media"


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
