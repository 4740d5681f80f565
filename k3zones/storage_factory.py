"""The photo storage a deployment is configured for (K3_STORAGE=local|s3)."""

from __future__ import annotations

from k3zones.storage import LocalStorage, Storage, StorageError


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
        # Here, not at the top: boto3 takes ~0.2 s to import, and only an S3 deployment
        # needs it. Credentials come from the usual AWS_* environment or instance role.
        from k3zones.storage_s3 import S3Storage

        return S3Storage(
            s3_bucket,
            endpoint_url=s3_endpoint_url or None,
            region=s3_region or None,
            prefix=s3_prefix,
        )
    raise StorageError(f"K3_STORAGE tidak dikenal: {backend!r} (pilih local atau s3)")
