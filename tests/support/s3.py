"""moto's S3-compatible server as a separate process on 127.0.0.1, and an S3Storage on a
fresh bucket of it (tests of photo storage with no shared disk)."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from k3zones.storage_s3 import S3Storage
from tests.support.paths import BIN

REGION = "us-east-1"
PREFIX = "k3zones"
# moto accepts any key; boto3 in worker processes reads these from AWS_* variables.
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def moto_server(log_dir: Path) -> Iterator[str]:
    """The server's URL while it runs; its log in `log_dir`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open(log_dir / "moto.log", "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fresh_bucket(endpoint: str) -> S3Storage:
    return S3Storage(
        f"k3-{uuid.uuid4().hex[:8]}",
        endpoint_url=endpoint,
        region=REGION,
        access_key=KEYS["AWS_ACCESS_KEY_ID"],
        secret_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        prefix=PREFIX,
        create_bucket=True,
    )


def worker_env(storage: S3Storage, endpoint: str, local_dir: Path) -> dict[str, str]:
    """The K3_* settings of a process using `storage`, with its own local folder."""
    return {
        "K3_STORAGE": "s3",
        "K3_S3_BUCKET": storage.bucket,
        "K3_S3_ENDPOINT_URL": endpoint,
        "K3_S3_REGION": REGION,
        "K3_S3_PREFIX": PREFIX,
        "K3_STORAGE_DIR": str(local_dir),
        **KEYS,
    }
