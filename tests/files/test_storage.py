"""File storage: the local folder and a real S3-compatible server, and signed download links."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import boto3
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from ihub.config import Settings
from ihub.db import Database
from ihub.files import service as files
from ihub.files.storage import (
    FileMissing,
    LocalStorage,
    S3Storage,
    StorageMisconfigured,
    StorageUnavailable,
    build_storage,
)
from ihub.kit.clock import utcnow
from tests.fixtures.app import TenantHandle
from tests.fixtures.s3 import CREDENTIALS
from tests.fixtures.server import free_port


def _roundtrip(storage: LocalStorage | S3Storage) -> None:
    storage.check()
    payload = b"x" * 200_000  # more than one chunk
    storage.put("t/report/1", io.BytesIO(payload))
    assert b"".join(storage.open("t/report/1")) == payload
    storage.delete("t/report/1")
    with pytest.raises(FileMissing):
        b"".join(storage.open("t/report/1"))
    storage.delete("t/report/1")  # deleting twice is fine


def test_local_storage(tmp_path: pytest.TempPathFactory) -> None:
    storage = LocalStorage(tmp_path)  # type: ignore[arg-type]
    _roundtrip(storage)
    with pytest.raises(ValueError, match="leaves the storage folder"):
        storage.put("../escape", io.BytesIO(b"no"))


def test_s3_storage_against_a_real_server(s3_storage: S3Storage) -> None:
    _roundtrip(s3_storage)
    s3_storage.put("k", io.BytesIO(b"abc"))
    keys = s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket)["Contents"]
    assert [k["Key"] for k in keys] == ["reports/k"]  # the prefix is applied


def test_s3_failures_are_classified(s3_endpoint: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    with pytest.raises(StorageMisconfigured, match="NoSuchBucket"):
        S3Storage(client, "no-such-bucket").put("k", io.BytesIO(b"abc"))
    down = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{free_port()}", **CREDENTIALS)
    with pytest.raises(StorageUnavailable):
        S3Storage(down, "bucket").check()


def _stored(database: Database, tenant: TenantHandle, content: bytes) -> uuid.UUID:
    with database.scope() as session:
        stored = files.save(
            session,
            uuid.UUID(tenant.tenant_id),
            io.BytesIO(content),
            filename="отчёт.csv",
            content_type="text/csv",
            purpose="report",
            expires_at=None,
        )
        return stored.id


def test_a_signed_link_downloads_without_credentials_until_it_expires(
    database: Database, tenant: TenantHandle, anonymous: TestClient
) -> None:
    file_id = _stored(database, tenant, b"a,b\n1,2\n")
    with database.scope() as session:
        stored = files.get_file(session, uuid.UUID(tenant.tenant_id), file_id)
        link, expires = files.download_link(stored)
        old_link, _ = files.download_link(stored, now=utcnow() - timedelta(days=1))
    assert expires > utcnow()
    response = anonymous.get(link)
    assert response.status_code == 200
    assert response.content == b"a,b\n1,2\n"
    assert (
        "filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.csv"
        in response.headers["content-disposition"]
    )
    expired = anonymous.get(old_link)
    assert expired.status_code == 403
    assert "expired" in expired.json()["detail"]
    forged = anonymous.get(link.replace("expires=", "expires=9"))
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"


def test_a_link_to_a_deleted_file_is_404(
    database: Database, tenant: TenantHandle, anonymous: TestClient
) -> None:
    file_id = _stored(database, tenant, b"gone")
    with database.scope() as session:
        stored = files.get_file(session, uuid.UUID(tenant.tenant_id), file_id)
        link, _ = files.download_link(stored)
        stored.expires_at = utcnow() - timedelta(seconds=1)
    with database.scope() as session:
        assert files.delete_expired(session, uuid.UUID(tenant.tenant_id), utcnow(), 10) == 1
    assert anonymous.get(link).status_code == 404


def test_readiness_asks_the_file_storage(anonymous: TestClient) -> None:
    checks = anonymous.get("/health/ready").json()["checks"]
    assert checks["file_storage"]["ok"] is True


def test_s3_is_chosen_and_configured_by_settings(s3_storage: S3Storage, s3_endpoint: str) -> None:
    settings = Settings(
        file_storage="s3",
        s3_bucket=s3_storage.bucket,
        s3_prefix="/ihub/",
        s3_endpoint_url=s3_endpoint,
        s3_region=CREDENTIALS["region_name"],
        s3_access_key_id=CREDENTIALS["aws_access_key_id"],
        s3_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )
    storage = build_storage(settings)
    assert isinstance(storage, S3Storage)
    storage.check()
    storage.put("a/b", io.BytesIO(b"x"))
    assert b"".join(s3_storage.client.get_object(Bucket=storage.bucket, Key="ihub/a/b")["Body"])
    with pytest.raises(ValidationError, match="IHUB_S3_BUCKET"):
        Settings(file_storage="s3")
    assert isinstance(build_storage(Settings()), LocalStorage)
