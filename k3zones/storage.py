"""Photo storage behind one interface: a local folder, or any S3 API (k3zones.storage_s3).

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
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

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


def safe_key(key: str) -> str:
    parts = [p for p in key.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise StorageError(f"invalid key {key!r}")
    return "/".join(parts)


@contextmanager
def _os_errors(key: str) -> Iterator[None]:
    """A missing file is ObjectMissing; any other OS error (disk full, permissions, a
    mount gone) is StorageError, which callers answer as "try again" and workers retry."""
    try:
        yield
    except FileNotFoundError as exc:
        raise ObjectMissing(key) from exc
    except OSError as exc:
        raise StorageError(f"{key}: {exc.strerror or exc}") from exc


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / safe_key(key)

    def put_file(self, key: str, src: IO[bytes], content_type: str) -> None:
        path = self._path(key)
        with _os_errors(key):
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
        with _os_errors(key):
            return self._path(key).read_bytes()

    def download_to(self, key: str, dst: IO[bytes]) -> None:
        with _os_errors(key), self._path(key).open("rb") as src:
            shutil.copyfileobj(src, dst, CHUNK)

    def stream(self, key: str) -> Iterator[bytes]:
        with _os_errors(key):
            f = self._path(key).open("rb")

        def chunks() -> Iterator[bytes]:
            with f:
                while block := f.read(CHUNK):
                    yield block

        return chunks()

    def exists(self, key: str) -> bool:
        with _os_errors(key):
            return self._path(key).is_file()

    def delete(self, key: str) -> None:
        with _os_errors(key):
            self._path(key).unlink(missing_ok=True)
