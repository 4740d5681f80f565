"""The environment an operator sets, and the local photo folder, without services."""

from __future__ import annotations

import io

import pytest

from k3zones.settings import Settings, SettingsError
from k3zones.storage import LocalStorage, ObjectMissing, StorageError
from k3zones.storage_factory import make_storage

ENV = {"K3_DATABASE_URL": "postgresql+psycopg://k3:pw@db:5432/k3zones", "K3_SECRET_KEY": "k" * 32}


def test_the_operator_is_told_what_is_missing_in_indonesian():
    with pytest.raises(SettingsError, match="K3_DATABASE_URL belum diisi"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="paling sedikit 32 karakter"):
        Settings.from_env({**ENV, "K3_SECRET_KEY": "k" * 31})
    with pytest.raises(SettingsError, match="K3_PORT harus bilangan bulat, bukan '80a'"):
        Settings.from_env({**ENV, "K3_PORT": "80a"})


def test_defaults_and_the_broker_falling_back_to_redis():
    s = Settings.from_env({**ENV, "K3_REDIS_URL": "redis://cache:6379/2", "K3_PORT": ""})
    assert s.port == 8000 and s.max_photo_bytes == 20 * 1024 * 1024
    assert s.celery_broker_url == "redis://cache:6379/2"
    s = Settings.from_env({**ENV, "K3_BROKER_URL": "redis://broker:6379/0"})
    assert s.celery_broker_url == "redis://broker:6379/0"


def test_an_unknown_or_incomplete_storage_backend_is_refused(tmp_path):
    with pytest.raises(StorageError, match="pilih local atau s3"):
        make_storage("ftp", local_dir=str(tmp_path))
    with pytest.raises(StorageError, match="K3_S3_BUCKET wajib diisi"):
        make_storage("s3", local_dir=str(tmp_path))


def test_local_storage_keeps_whole_objects_under_its_root(tmp_path):
    store = LocalStorage(tmp_path / "photos")
    key = "originals/medansatria/2024/05/r1/p1.jpg"
    store.put_bytes(key, b"\xff\xd8\xff foto", "image/jpeg")
    assert store.exists(key) and store.get_bytes(key) == b"\xff\xd8\xff foto"
    out = io.BytesIO()
    store.download_to(key, out)
    assert out.getvalue() == b"\xff\xd8\xff foto"
    assert b"".join(store.stream(key)) == b"\xff\xd8\xff foto"
    # Nothing half-written is left beside it.
    assert [
        p.name for p in (tmp_path / "photos" / "originals/medansatria/2024/05/r1").iterdir()
    ] == ["p1.jpg"]
    store.delete(key)
    store.delete(key)  # deleting twice is fine: retries are normal
    with pytest.raises(ObjectMissing):
        store.get_bytes(key)


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../../b", "", "/", "./x"])
def test_a_key_cannot_leave_the_storage_root(tmp_path, key):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).put_bytes(key, b"x", "text/plain")
    assert not (tmp_path.parent / "etc").exists()
