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


def test_argon2_cost_is_settable_but_never_below_owasps_minimum():
    s = Settings.from_env(ENV)
    assert (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism) == (3, 65536, 4)
    owasp = {
        "K3_ARGON2_MEMORY_KIB": "19456",
        "K3_ARGON2_TIME_COST": "2",
        "K3_ARGON2_PARALLELISM": "1",
    }
    s = Settings.from_env({**ENV, **owasp})
    assert (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism) == (2, 19456, 1)
    for weak in (
        {"K3_ARGON2_TIME_COST": "1"},
        {"K3_ARGON2_MEMORY_KIB": "4096", "K3_ARGON2_TIME_COST": "9"},
    ):
        with pytest.raises(SettingsError, match="di bawah batas minimum OWASP"):
            Settings.from_env({**ENV, **owasp, **weak})
    with pytest.raises(SettingsError, match=r"K3_ARGON2_PARALLELISM 1\.\.16"):
        Settings.from_env({**ENV, "K3_ARGON2_PARALLELISM": "0"})


def test_face_detection_is_on_unless_switched_off():
    assert Settings.from_env(ENV).blur_detect is True
    assert Settings.from_env({**ENV, "K3_BLUR_DETECT": "0"}).blur_detect is False
    with pytest.raises(SettingsError, match="K3_BLUR_DETECT harus 1 atau 0"):
        Settings.from_env({**ENV, "K3_BLUR_DETECT": "kadang"})


def test_defaults_and_the_broker_falling_back_to_redis():
    s = Settings.from_env({**ENV, "K3_REDIS_URL": "redis://cache:6379/2", "K3_PORT": ""})
    assert s.port == 8000 and s.max_photo_bytes == 20 * 1024 * 1024
    assert s.celery_broker_url == "redis://cache:6379/2"
    s = Settings.from_env({**ENV, "K3_BROKER_URL": "redis://broker:6379/0"})
    assert s.celery_broker_url == "redis://broker:6379/0"


def test_any_k3_variable_may_come_from_a_file(tmp_path):
    key = tmp_path / "secret_key"
    key.write_text("s" * 40 + "\n")  # as `echo ... > file` leaves it
    limit = tmp_path / "limit"
    limit.write_text("5 per minute")
    s = Settings.from_env(
        {
            "K3_DATABASE_URL": ENV["K3_DATABASE_URL"],
            "K3_SECRET_KEY_FILE": str(key),
            "K3_LOGIN_LIMIT_PER_USER_FILE": str(limit),
            "K3_SECRET_KEY": "",  # empty counts as unset
        }
    )
    assert s.secret_key == "s" * 40 and s.login_limit_per_user == "5 per minute"
    assert "s" * 40 not in repr(s)


def test_a_variable_and_its_file_together_or_a_missing_file_are_refused(tmp_path):
    key = tmp_path / "secret_key"
    key.write_text("s" * 40)
    with pytest.raises(SettingsError, match="K3_SECRET_KEY dan K3_SECRET_KEY_FILE keduanya diisi"):
        Settings.from_env({**ENV, "K3_SECRET_KEY_FILE": str(key)})
    with pytest.raises(SettingsError, match=r"K3_SECRET_KEY_FILE: berkas .*tidak dapat dibaca"):
        Settings.from_env(
            {"K3_DATABASE_URL": ENV["K3_DATABASE_URL"], "K3_SECRET_KEY_FILE": "/tidak/ada"}
        )


def test_passwords_from_files_go_into_the_database_and_redis_urls(tmp_path):
    (tmp_path / "db").write_text("d@b/p w%\n")
    (tmp_path / "redis").write_text("r:p\n")
    env = {
        "K3_SECRET_KEY": "k" * 32,
        "K3_DATABASE_URL": "postgresql+psycopg://k3zones@postgis:5432/k3zones",
        "K3_DB_PASSWORD_FILE": str(tmp_path / "db"),
        "K3_REDIS_URL": "redis://redis:6379/0",
        "K3_REDIS_PASSWORD_FILE": str(tmp_path / "redis"),
    }
    s = Settings.from_env(env)
    assert s.database_url == "postgresql+psycopg://k3zones:d%40b%2Fp%20w%25@postgis:5432/k3zones"
    assert s.redis_url == "redis://:r%3Ap@redis:6379/0"
    # The broker is the same Redis (and its result backend is redis_url).
    assert s.celery_broker_url == s.redis_url
    # A broker Redis of its own without a password gets the same one; one with its own keeps it.
    s = Settings.from_env({**env, "K3_BROKER_URL": "redis://broker:6379/1"})
    assert s.celery_broker_url == "redis://:r%3Ap@broker:6379/1"
    s = Settings.from_env({**env, "K3_BROKER_URL": "redis://:own@broker:6379/1"})
    assert s.celery_broker_url == "redis://:own@broker:6379/1"
    # The clients decode them back to the passwords themselves.
    from redis.connection import parse_url
    from sqlalchemy.engine import make_url

    assert make_url(s.database_url).password == "d@b/p w%"
    assert parse_url(s.redis_url)["password"] == "r:p"
    for secret in ("d%40b", "r%3Ap", "own"):
        assert secret not in repr(s)
    # A URL that already has a password and the password variable as well: ambiguous.
    with pytest.raises(SettingsError, match="K3_REDIS_URL sudah memuat kata sandi"):
        Settings.from_env({**env, "K3_REDIS_URL": "redis://:lain@redis:6379/0"})


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
