"""Where file bytes live: a local folder by default, any S3-compatible bucket by configuration.

Keys are relative paths chosen by ihub (``<tenant>/<purpose>/<file id>``), never by a user.
Failures of an S3 store are classified like any external system: transient ones are retried
by the run machinery, configuration ones fail with a message a person can act on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ihub.config import Settings, get_settings
from ihub.kit.failures import Terminal, Transient

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

CHUNK = 64 * 1024
_CONFIG_ERRORS = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "NoSuchBucket", "SignatureDoesNotMatch", "403"}
)
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class StorageUnavailable(Transient):
    """The store did not answer or answered with a server error; later may work."""


class StorageMisconfigured(Terminal):
    """Bucket, credentials or permissions are wrong; retrying cannot help."""


class FileMissing(Exception):
    """The key is not in the store (deleted by retention, or never written)."""


class FileStorage(Protocol):
    name: str

    def put(self, key: str, source: IO[bytes]) -> None: ...

    def open(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...

    def check(self) -> None: ...


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key {key!r} leaves the storage folder")
        return path

    def put(self, key: str, source: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        os.replace(temporary, path)

    def open(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise FileMissing(key) from None
        return _chunks(handle)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class S3Storage:
    name = "s3"

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, key: str, source: IO[bytes]) -> None:
        with _classified():
            self.client.upload_fileobj(source, self.bucket, self.prefix + key)

    def open(self, key: str) -> Iterator[bytes]:
        with _classified():
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
        return body.iter_chunks(CHUNK)

    def delete(self, key: str) -> None:
        with _classified():
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def check(self) -> None:
        with _classified():
            self.client.head_bucket(Bucket=self.bucket)


@contextmanager
def _classified() -> Iterator[None]:
    """Turn botocore's errors into missing / transient / terminal, once, for every call."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FileMissing(code) from exc
        if code in _CONFIG_ERRORS:
            raise StorageMisconfigured(f"S3 storage refused the request: {exc}") from exc
        raise StorageUnavailable(f"S3 storage failed: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"S3 storage is not reachable: {exc}") from exc


def build_storage(settings: Settings) -> FileStorage:
    if settings.file_storage == "local":
        return LocalStorage(settings.files_path)
    assert settings.s3_bucket  # the settings validator insists on it
    secret = settings.s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
    )
    return S3Storage(client, settings.s3_bucket, settings.s3_prefix)


@lru_cache
def get_storage() -> FileStorage:
    return build_storage(get_settings())
