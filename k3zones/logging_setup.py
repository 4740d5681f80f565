"""Logs as one JSON object a line (K3_LOG_FORMAT=json, the default of the compose file) or
as plain text for a developer's console (K3_LOG_FORMAT=text), for the API (gunicorn), the
worker and beat alike, each line carrying the request id it belongs to.

The request id is a context variable: the HTTP layer binds it for a request, the worker
binds it for a task (it travels in the outbox payload, then in the task's headers), and a
filter copies it into every record. The standard library's formatter is enough here: no
dependency, and gunicorn (logconfig_dict) and Celery (setup_logging) both take a plain
dictConfig.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

FORMATS = ("json", "text")
# The key under which enqueue() keeps the request id inside an outbox payload.
REQUEST_ID_KEY = "_request_id"
# The header a task carries it in.
REQUEST_ID_HEADER = "k3_request_id"
# What a client may send as X-Request-ID and see echoed in logs: visible ASCII, bounded.
_GOOD_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("k3zones_request_id", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("k3zones_task", default=None)


def clean_request_id(raw: str | None) -> str | None:
    """A client's X-Request-ID if it is a plain token, else None (one is then made up)."""
    if raw and _GOOD_ID.fullmatch(raw):
        return raw
    return None


def current_request_id() -> str | None:
    return request_id_var.get()


def bind_request_id(rid: str | None) -> Token[str | None]:
    return request_id_var.set(rid)


def reset_request_id(token: Token[str | None]) -> None:
    request_id_var.reset(token)


@contextmanager
def task_context(request_id: str | None, task_id: str, task_name: str) -> Iterator[None]:
    rid, task = request_id_var.set(request_id), task_var.set((task_id, task_name))
    try:
        yield
    finally:
        task_var.reset(task)
        request_id_var.reset(rid)


def log_format(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    fmt = (env.get("K3_LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        raise ValueError(f"K3_LOG_FORMAT harus json atau text, bukan {fmt!r}")
    return fmt


class ContextFilter(logging.Filter):
    """Puts the request id (and the task, in a worker) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id_var.get()
        if rid is None and record.name == "gunicorn.access" and isinstance(record.args, dict):
            # The access line is written after the request: the id is its response header.
            value = record.args.get("{x-request-id}o")
            rid = value if isinstance(value, str) and value != "-" else None
        record.request_id = rid or "-"
        task = task_var.get()
        record.task_id, record.task_name = task if task else ("-", "-")
        return True


# Access-log atoms of gunicorn kept as fields (no query string: it may carry tokens).
_ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "a": "user_agent",
}


class JSONFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, message, request_id,
    task fields in a worker, the exception's traceback, and an access line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "-")
        if rid != "-":
            out["request_id"] = rid
        task_id = getattr(record, "task_id", "-")
        if task_id != "-":
            out["task_id"] = task_id
            out["task_name"] = getattr(record, "task_name", "-")
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            for atom, key in _ACCESS_FIELDS.items():
                value = atoms.get(atom)
                if value not in (None, "-"):
                    out[key] = value
            try:
                out["duration_ms"] = round(int(atoms.get("D", "")) / 1000, 1)
                out["status"] = int(out["status"])
            except (TypeError, ValueError, KeyError):
                pass
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def dict_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for `fmt` (json or text): the root logger and gunicorn's
    two loggers write to stderr/stdout through the context filter."""
    formatter: dict[str, Any] = (
        {"()": "k3zones.logging_setup.JSONFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "k3zones.logging_setup.ContextFilter"}},
        "formatters": {"k3": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "k3",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "k3",
                "filters": ["context"],
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }


def configure(fmt: str | None = None, level: str = "INFO") -> None:
    """Set up the process's logging (a worker, beat, the CLI); gunicorn uses dict_config."""
    logging.config.dictConfig(dict_config(fmt or log_format(), level))
    # Python's warnings (Celery's SecurityWarning...) as log records, not raw stderr text.
    logging.captureWarnings(True)
