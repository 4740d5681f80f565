"""One Settings object, read from the environment (prefix K3_)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

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


# OWASP Password Storage Cheat Sheet: argon2id with m=47104 KiB t=1, m=19456 t=2, m=12288
# t=3, m=9216 t=4 or m=7168 t=5 (p=1) are equivalent minimums: memory x passes >= ~36 MiB.
ARGON2_MIN_MEMORY_KIB = 7168
ARGON2_MIN_WORK_KIB = 36864


def _argon2_cost(env: Mapping[str, str]) -> tuple[int, int, int]:
    """(time cost, memory KiB, parallelism), refused below OWASP's minimum."""
    t = _int(env, "K3_ARGON2_TIME_COST", 3)
    m = _int(env, "K3_ARGON2_MEMORY_KIB", 65536)
    p = _int(env, "K3_ARGON2_PARALLELISM", 4)
    if not (1 <= t <= 10 and 1 <= p <= 16 and m <= 4 * 1024 * 1024):
        raise SettingsError(
            "K3_ARGON2_TIME_COST 1..10, K3_ARGON2_PARALLELISM 1..16, "
            "K3_ARGON2_MEMORY_KIB paling banyak 4194304"
        )
    if m < ARGON2_MIN_MEMORY_KIB or m * t < ARGON2_MIN_WORK_KIB:
        raise SettingsError(
            "Biaya argon2 di bawah batas minimum OWASP: K3_ARGON2_MEMORY_KIB x "
            f"K3_ARGON2_TIME_COST paling sedikit {ARGON2_MIN_WORK_KIB} (mis. 19456 x 2) dan "
            f"memori paling sedikit {ARGON2_MIN_MEMORY_KIB} KiB"
        )
    return t, m, p


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "ya", "on"):
        return True
    if raw in ("0", "false", "tidak", "off"):
        return False
    raise SettingsError(f"{name} harus 1 atau 0, bukan {raw!r}")


def _log_format(env: Mapping[str, str]) -> str:
    fmt = (env.get("K3_LOG_FORMAT") or "text").strip().lower()
    if fmt not in ("json", "text"):
        raise SettingsError(f"K3_LOG_FORMAT harus json atau text, bukan {fmt!r}")
    return fmt


def _read_files(env: Mapping[str, str]) -> dict[str, str]:
    """K3_X_FILE=/run/secrets/x (a Docker secret) stands for K3_X with that file's content,
    for every K3_ variable; the trailing newline of the file is dropped. An empty variable
    counts as unset; setting both K3_X and K3_X_FILE is refused."""
    out = dict(env)
    for key, path in env.items():
        if not (key.startswith("K3_") and key.endswith("_FILE")) or not path:
            continue
        name = key.removesuffix("_FILE")
        if env.get(name):
            raise SettingsError(f"{name} dan {key} keduanya diisi; pakai salah satu saja")
        try:
            out[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{key}: berkas {path} tidak dapat dibaca ({exc})") from exc
    return out


def _with_password(url: str, password: str, name: str, url_name: str) -> str:
    """`url` with `password` (K3_DB_PASSWORD, K3_REDIS_PASSWORD) put in, percent-encoded."""
    if not password or not url:
        return url
    parts = urlsplit(url)
    if parts.password is not None:
        raise SettingsError(f"{url_name} sudah memuat kata sandi dan {name} juga diisi; pilih satu")
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user if at else ''}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Settings:
    # URLs may carry passwords: never in repr (a logged Settings must not leak them).
    database_url: str = field(repr=False)
    # Signs access tokens. Required; never committed (make run generates one in var/).
    secret_key: str = field(default="", repr=False)
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 30
    # A phone that lost the answer to a refresh may send the same token again this soon
    # without being taken for a thief (its session survives).
    refresh_reuse_grace_seconds: int = 30
    # Sign-in (login and ODK Basic): only FAILED attempts count, never good ones.
    # Failures per username from one address; then that address waits for that account.
    login_limit_per_user: str = "10 per 15 minutes"
    # Failures from one address over all usernames (guessing many accounts); an address
    # where the user signed in successfully before is not held to it.
    login_limit_per_address: str = "100 per 15 minutes"
    # Failures per username over all addresses. Crossing it writes a "login_throttled"
    # audit entry for the kecamatan's admin; until the window ends, an address that fails
    # for that account is blocked for it (addresses with an earlier good sign-in are not).
    login_limit_per_user_total: str = "50 per hour"
    # How long an address stays known for a user after a good sign-in from it.
    login_trusted_address_days: int = 30
    # Per signed-in user: password changes (each one checks the old password).
    password_change_limit: str = "10 per hour"  # noqa: S105 (a rate, not a secret)
    # Per officer; retries answered from the idempotency record do not count.
    report_limit_per_officer: str = "120 per hour;600 per day"
    photo_limit_per_officer: str = "600 per hour;3000 per day"
    # Per user: export jobs created.
    export_limit_per_user: str = "20 per hour"
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
    # Where people reach the app (K3_PUBLIC_URL); https here turns on HSTS.
    public_url: str = ""
    redis_url: str = field(default="redis://127.0.0.1:6379/0", repr=False)
    broker_url: str = field(default="", repr=False)
    port: int = 8000
    # JSON bodies larger than this are refused with 413 (photos get their own limit).
    max_json_bytes: int = 2 * 1024 * 1024
    # Longest a single SQL statement may run: in a request (then answered 503, try again),
    # and in a worker job (snapshots and exports of a whole city take longer).
    statement_timeout_ms: int = 15_000
    worker_statement_timeout_ms: int = 600_000
    # Zones are matched by an area this many metres around their geometry, per type.
    default_radius_m: Mapping[str, int] = field(
        default_factory=lambda: {"Point": 100, "LineString": 50, "Polygon": 25}
    )
    timezone: str = "Asia/Jakarta"
    # How often beat asks a worker to report in (seen in /readyz).
    heartbeat_seconds: int = 60
    # How often beat sweeps for photos whose task was lost, and how long a photo must
    # have waited to count as lost (shorter only in the fault tests).
    sweep_seconds: int = 300
    sweep_stuck_seconds: int = 600
    # Outbox rows handed to the queue are deleted after this many days (beat, nightly).
    outbox_keep_days: int = 7
    celery_always_eager: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Complaints (pengaduan): posts per address on /lapor, per partner key on Open311;
    # a complaint of the same category this near an open one of these last days is merged.
    complaint_limit_per_address: str = "5 per minute;30 per day"
    complaint_limit_per_partner: str = "120 per minute;10000 per day"
    complaint_duplicate_m: int = 50
    complaint_duplicate_days: int = 7
    # Argon2id cost of new password hashes (a stored hash keeps its own and is rehashed at
    # the next sign-in). Default: argon2-cffi's RFC 9106 profile; never below OWASP's floor.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Faces and plates found by the worker and blurred in the public copies. Off: public
    # copies are blurred only where a reviewer drew a box (an operator's choice, logged).
    blur_detect: bool = True
    # Observability: who may read /metrics (empty: loopback and private networks only),
    # the worker's own metrics port (0: none), and the log format (json or text).
    metrics_token: str = field(default="", repr=False)
    worker_metrics_port: int = 0
    log_format: str = "text"

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
        env = _read_files(os.environ if env is None else env)
        url = env.get("K3_DATABASE_URL", "")
        if not url:
            raise SettingsError(
                "K3_DATABASE_URL belum diisi (contoh: postgresql+psycopg://user:pass@host/db)"
            )
        # Passwords may come apart from the URLs (Docker secrets: K3_DB_PASSWORD_FILE,
        # K3_REDIS_PASSWORD_FILE); the Redis one serves the broker too when it is a Redis
        # without a password of its own.
        url = _with_password(
            url, env.get("K3_DB_PASSWORD", ""), "K3_DB_PASSWORD", "K3_DATABASE_URL"
        )
        redis_password = env.get("K3_REDIS_PASSWORD", "")
        redis_url = _with_password(
            env.get("K3_REDIS_URL", cls.redis_url),
            redis_password,
            "K3_REDIS_PASSWORD",
            "K3_REDIS_URL",
        )
        broker_url = env.get("K3_BROKER_URL", "")
        if urlsplit(broker_url).scheme in ("redis", "rediss") and not urlsplit(broker_url).password:
            broker_url = _with_password(
                broker_url, redis_password, "K3_REDIS_PASSWORD", "K3_BROKER_URL"
            )
        secret = env.get("K3_SECRET_KEY", "")
        if len(secret) < 32:
            raise SettingsError(
                "K3_SECRET_KEY belum diisi atau terlalu pendek (paling sedikit 32 karakter acak)"
            )
        argon2 = _argon2_cost(env)
        return cls(
            database_url=url,
            secret_key=secret,
            access_token_seconds=_int(env, "K3_ACCESS_TOKEN_SECONDS", 15 * 60),
            refresh_token_days=_int(env, "K3_REFRESH_TOKEN_DAYS", 30),
            login_limit_per_user=env.get("K3_LOGIN_LIMIT_PER_USER", cls.login_limit_per_user),
            login_limit_per_address=env.get(
                "K3_LOGIN_LIMIT_PER_ADDRESS", cls.login_limit_per_address
            ),
            login_limit_per_user_total=env.get(
                "K3_LOGIN_LIMIT_PER_USER_TOTAL", cls.login_limit_per_user_total
            ),
            login_trusted_address_days=_int(
                env, "K3_LOGIN_TRUSTED_ADDRESS_DAYS", cls.login_trusted_address_days
            ),
            password_change_limit=env.get("K3_PASSWORD_CHANGE_LIMIT", cls.password_change_limit),
            report_limit_per_officer=env.get(
                "K3_REPORT_LIMIT_PER_OFFICER", cls.report_limit_per_officer
            ),
            photo_limit_per_officer=env.get(
                "K3_PHOTO_LIMIT_PER_OFFICER", cls.photo_limit_per_officer
            ),
            export_limit_per_user=env.get("K3_EXPORT_LIMIT_PER_USER", cls.export_limit_per_user),
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
            public_url=env.get("K3_PUBLIC_URL", ""),
            redis_url=redis_url,
            broker_url=broker_url,
            port=_int(env, "K3_PORT", 8000),
            max_json_bytes=_int(env, "K3_MAX_JSON_BYTES", 2 * 1024 * 1024),
            statement_timeout_ms=_int(env, "K3_STATEMENT_TIMEOUT_MS", 15_000),
            worker_statement_timeout_ms=_int(env, "K3_WORKER_STATEMENT_TIMEOUT_MS", 600_000),
            heartbeat_seconds=_int(env, "K3_HEARTBEAT_SECONDS", 60),
            sweep_seconds=_int(env, "K3_SWEEP_SECONDS", 300),
            sweep_stuck_seconds=_int(env, "K3_SWEEP_STUCK_SECONDS", 600),
            outbox_keep_days=max(1, _int(env, "K3_OUTBOX_KEEP_DAYS", 7)),
            complaint_limit_per_address=env.get(
                "K3_COMPLAINT_LIMIT_PER_ADDRESS", cls.complaint_limit_per_address
            ),
            complaint_limit_per_partner=env.get(
                "K3_COMPLAINT_LIMIT_PER_PARTNER", cls.complaint_limit_per_partner
            ),
            complaint_duplicate_m=_int(env, "K3_COMPLAINT_DUPLICATE_M", 50),
            complaint_duplicate_days=_int(env, "K3_COMPLAINT_DUPLICATE_DAYS", 7),
            argon2_time_cost=argon2[0],
            argon2_memory_kib=argon2[1],
            argon2_parallelism=argon2[2],
            blur_detect=_bool(env, "K3_BLUR_DETECT", True),
            metrics_token=env.get("K3_METRICS_TOKEN", ""),
            worker_metrics_port=_int(env, "K3_WORKER_METRICS_PORT", 0),
            log_format=_log_format(env),
        )
