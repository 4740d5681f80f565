"""One Settings object, read from the environment (prefix K3_)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
            redis_url=env.get("K3_REDIS_URL", cls.redis_url),
            broker_url=env.get("K3_BROKER_URL", ""),
            port=_int(env, "K3_PORT", 8000),
            max_json_bytes=_int(env, "K3_MAX_JSON_BYTES", 2 * 1024 * 1024),
            heartbeat_seconds=_int(env, "K3_HEARTBEAT_SECONDS", 60),
        )
