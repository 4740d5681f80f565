"""One Settings object, read from the environment (prefix K3_)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from k3zones.storage import Storage
from k3zones.storage_factory import make_storage


class SettingsError(ValueError):
    """A K3_ environment variable is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} harus bilangan bulat, bukan {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Signs access tokens. Required; never committed (make run generates one in var/).
    secret_key: str = field(default="", repr=False)
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 30
    # A phone that lost the answer to a refresh may send the same token again this soon
    # without being taken for a thief (its session survives).
    refresh_reuse_grace_seconds: int = 30
    login_limit_per_user: str = "10 per 15 minutes"
    login_limit_per_address: str = "100 per 15 minutes"
    # How many proxies in front of the API set X-Forwarded-For (0: none, trust nothing).
    proxy_count: int = 0
    # Photos: where they are kept, and the largest one accepted.
    storage_backend: str = "local"
    storage_dir: str = "var/storage"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_prefix: str = ""
    max_photo_bytes: int = 20 * 1024 * 1024
    # Base map of the console; empty for none (an office network without internet).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "&copy; kontributor OpenStreetMap"
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str = ""
    port: int = 8000
    # JSON bodies larger than this are refused with 413 (photos get their own limit).
    max_json_bytes: int = 2 * 1024 * 1024
    # Zones are matched by an area this many metres around their geometry, per type.
    default_radius_m: Mapping[str, int] = field(
        default_factory=lambda: {"Point": 100, "LineString": 50, "Polygon": 25}
    )
    timezone: str = "Asia/Jakarta"
    # How often beat asks a worker to report in (seen in /readyz).
    heartbeat_seconds: int = 60
    celery_always_eager: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    def make_storage(self) -> Storage:
        return make_storage(
            self.storage_backend,
            local_dir=self.storage_dir,
            s3_bucket=self.s3_bucket,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_region=self.s3_region,
            s3_prefix=self.s3_prefix,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("K3_DATABASE_URL", "")
        if not url:
            raise SettingsError(
                "K3_DATABASE_URL belum diisi (contoh: postgresql+psycopg://user:pass@host/db)"
            )
        secret = env.get("K3_SECRET_KEY", "")
        if len(secret) < 32:
            raise SettingsError(
                "K3_SECRET_KEY belum diisi atau terlalu pendek (paling sedikit 32 karakter acak)"
            )
        return cls(
            database_url=url,
            secret_key=secret,
            access_token_seconds=_int(env, "K3_ACCESS_TOKEN_SECONDS", 15 * 60),
            refresh_token_days=_int(env, "K3_REFRESH_TOKEN_DAYS", 30),
            login_limit_per_user=env.get("K3_LOGIN_LIMIT_PER_USER", cls.login_limit_per_user),
            login_limit_per_address=env.get(
                "K3_LOGIN_LIMIT_PER_ADDRESS", cls.login_limit_per_address
            ),
            proxy_count=_int(env, "K3_PROXY_COUNT", 0),
            storage_backend=env.get("K3_STORAGE", "local"),
            storage_dir=env.get("K3_STORAGE_DIR", "var/storage"),
            s3_bucket=env.get("K3_S3_BUCKET", ""),
            s3_endpoint_url=env.get("K3_S3_ENDPOINT_URL", ""),
            s3_region=env.get("K3_S3_REGION", ""),
            s3_prefix=env.get("K3_S3_PREFIX", ""),
            max_photo_bytes=_int(env, "K3_MAX_PHOTO_BYTES", 20 * 1024 * 1024),
            tile_url=env.get("K3_TILE_URL", cls.tile_url),
            tile_attribution=env.get("K3_TILE_ATTRIBUTION", cls.tile_attribution),
            redis_url=env.get("K3_REDIS_URL", cls.redis_url),
            broker_url=env.get("K3_BROKER_URL", ""),
            port=_int(env, "K3_PORT", 8000),
            max_json_bytes=_int(env, "K3_MAX_JSON_BYTES", 2 * 1024 * 1024),
            heartbeat_seconds=_int(env, "K3_HEARTBEAT_SECONDS", 60),
        )
