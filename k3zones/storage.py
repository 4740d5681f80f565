"""Photo storage behind one interface: a local folder, or any S3 API (via boto3).

Keys are plain relative paths ("originals/medansatria/2024/05/<report>/<photo>"). Writes
are whole objects; an object with a key is never modified in place, so a retry writes the
same bytes again and a reader never sees half a file.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

CHUNK = 1024 * 1024


class StorageError(Exception):
    """The store could not be reached or refused the operation."""


class ObjectMissing(StorageError):
    pass


class Storage(Protocol):
    def put_file(self, key: str, src: IO[bytes], content_type: str) -> None: ...

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def download_to(self, key: str, dst: IO[bytes]) -> None: ...

    def stream(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


def _safe(key: str) -> str:
    parts = [p for p in key.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise StorageError(f"invalid key {key!r}")
    return "/".join(parts)


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _safe(key)

    def put_file(self, key: str, src: IO[bytes], content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside, then rename: readers see the old object or the new, never half.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.put_file(key, io.BytesIO(data), content_type)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    def download_to(self, key: str, dst: IO[bytes]) -> None:
        try:
            with self._path(key).open("rb") as src:
                shutil.copyfileobj(src, dst, CHUNK)
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    def stream(self, key: str) -> Iterator[bytes]:
        try:
            f = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

        def chunks() -> Iterator[bytes]:
            with f:
                while block := f.read(CHUNK):
                    yield block

        return chunks()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Any S3 API: AWS, MinIO, Ceph, or moto's server in tests."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
        create_bucket: bool = False,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                s3={"addressing_style": "path"},
            ),
        )
        if create_bucket:
            self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def _key(self, key: str) -> str:
        k = _safe(key)
        return f"{self.prefix}/{k}" if self.prefix else k

    def _call(self, fn: Any, **kw: Any) -> Any:
        try:
            return fn(Bucket=self.bucket, **kw)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ObjectMissing(kw.get("Key", "")) from exc
            raise StorageError(f"S3 {code}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(str(exc)) from exc

    def put_file(self, key: str, src: IO[bytes], content_type: str) -> None:
        try:
            self.client.upload_fileobj(
                src,
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(multipart_threshold=16 * CHUNK, use_threads=False),
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._call(self.client.put_object, Key=self._key(key), Body=data, ContentType=content_type)

    def get_bytes(self, key: str) -> bytes:
        body = self._call(self.client.get_object, Key=self._key(key))["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def download_to(self, key: str, dst: IO[bytes]) -> None:
        body = self._call(self.client.get_object, Key=self._key(key))["Body"]
        try:
            for block in body.iter_chunks(CHUNK):
                dst.write(block)
        finally:
            body.close()

    def stream(self, key: str) -> Iterator[bytes]:
        body = self._call(self.client.get_object, Key=self._key(key))["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return chunks()

    def exists(self, key: str) -> bool:
        try:
            self._call(self.client.head_object, Key=self._key(key))
        except ObjectMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call(self.client.delete_object, Key=self._key(key))


def make_storage(
    backend: str,
    *,
    local_dir: str,
    s3_bucket: str = "",
    s3_endpoint_url: str | None = None,
    s3_region: str | None = None,
    s3_prefix: str = "",
) -> Storage:
    if backend == "local":
        return LocalStorage(local_dir)
    if backend == "s3":
        if not s3_bucket:
            raise StorageError("K3_S3_BUCKET wajib diisi untuk K3_STORAGE=s3")
        # Credentials come from the usual AWS_* environment or instance role.
        return S3Storage(
            s3_bucket,
            endpoint_url=s3_endpoint_url or None,
            region=s3_region or None,
            prefix=s3_prefix,
        )
    raise StorageError(f"K3_STORAGE tidak dikenal: {backend!r} (pilih local atau s3)")
