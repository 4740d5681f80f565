"""The S3 backend of photo storage (AWS S3, MinIO, Ceph, or any S3 API), via boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from k3zones.storage import CHUNK, ObjectMissing, StorageError, safe_key


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
        k = safe_key(key)
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
