"""What scripts/backup.sh and scripts/restore.sh share (run with the project's Python)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 1024 * 1024


def libpq_env(url: str) -> dict[str, str]:
    """PG* variables for the tools from K3_DATABASE_URL (postgresql+psycopg://u:p@h:port/db)."""
    u = urlsplit(url)
    password = unquote(u.password or "")
    if not password and os.environ.get("K3_DB_PASSWORD_FILE"):
        password = Path(os.environ["K3_DB_PASSWORD_FILE"]).read_text().strip()
    return {
        "PGHOST": u.hostname or "127.0.0.1",
        "PGPORT": str(u.port or 5432),
        "PGUSER": unquote(u.username or ""),
        "PGPASSWORD": password,
        "PGDATABASE": unquote(u.path.lstrip("/")),
    }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
