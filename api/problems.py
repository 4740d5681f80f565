"""Every error leaves as application/problem+json (RFC 9457), in Bahasa Indonesia."""

from __future__ import annotations

import http
import json
import logging
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, request
from flask_limiter.errors import RateLimitExceeded
from flask_smorest import Api
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from api.context import limiter
from api.quota import QuotaExceeded
from api.schemas.problems import ProblemSchema
from k3zones.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    Unauthenticated,
    Unavailable,
    Unsupported,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# (type slug, title) per status. `type` is a relative URI under /api/v1/problems/.
_STATUS = {
    400: ("permintaan-tidak-valid", "Permintaan tidak valid"),
    401: ("belum-masuk", "Belum masuk"),
    403: ("tidak-diizinkan", "Tidak diizinkan"),
    404: ("tidak-ditemukan", "Tidak ditemukan"),
    405: ("metode-tidak-diizinkan", "Metode tidak diizinkan"),
    406: ("format-tidak-tersedia", "Format tidak tersedia"),
    409: ("konflik", "Konflik dengan data yang ada"),
    411: ("panjang-diperlukan", "Panjang data diperlukan"),
    413: ("terlalu-besar", "Data terlalu besar"),
    415: ("jenis-konten-tidak-didukung", "Jenis konten tidak didukung"),
    422: ("validasi", "Data tidak valid"),
    428: ("prasyarat-diperlukan", "Prasyarat diperlukan"),
    429: ("terlalu-banyak-permintaan", "Terlalu banyak permintaan"),
    500: ("kesalahan-server", "Kesalahan server"),
    503: ("layanan-tidak-siap", "Layanan belum siap"),
}

# Default details for errors raised by Werkzeug itself (its texts are English).
RETRY_AFTER_S = 30  # how soon a phone may try again after a 503

_DETAIL = {
    400: "Permintaan tidak dapat dibaca. Periksa data yang dikirim.",
    404: "Alamat {path} tidak ditemukan.",
    405: "Metode {method} tidak dapat dipakai untuk {path}.",
    406: "Format jawaban yang diminta tidak tersedia.",
    411: "Sertakan header Content-Length.",
    415: "Jenis konten tidak didukung.",
    500: "Terjadi kesalahan di server. Data Anda tidak tersimpan sebagian; coba lagi nanti.",
}


def problem(
    status: int,
    detail: str,
    *,
    errors: Iterable[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    slug, title = _STATUS.get(status, ("kesalahan", "Kesalahan"))
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    errs = list(errors)
    if errs:
        body["errors"] = errs
    body.update(extra)
    resp = Response(
        json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype=PROBLEM_JSON
    )
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _werkzeug_messages(messages: Any) -> list[dict[str, Any]]:
    """webargs/marshmallow messages {location: {field: [msg]}} -> [{pointer, message}]."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                key: str | int = int(k) if isinstance(k, int) else str(k)
                walk(v, (*path, key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            for m in node:
                out.append(FieldError(path, m).as_dict())
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))
        else:
            out.append(FieldError(path, str(node)).as_dict())

    if isinstance(messages, Mapping):
        for location, fields in messages.items():
            # The pointer is into the part of the request named by `location`.
            before = len(out)
            walk(fields, ())
            for e in out[before:]:
                e["location"] = {"json": "body", "querystring": "query", "view_args": "path"}.get(
                    str(location), str(location)
                )
    return out


def _summary(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors[:5]:
        where = e["pointer"].lstrip("/").replace("/", ".") or "data"
        parts.append(f"{where}: {e['message'].rstrip('.')}")
    more = f" (dan {len(errors) - 5} lainnya)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    if "messages" in data:  # a webargs validation failure
        errors = _werkzeug_messages(data["messages"])
        return problem(
            status, "Data belum benar: " + _summary(errors), errors=errors, headers=headers
        )
    detail = data.get("message") or getattr(error, "k3_detail", None)
    if isinstance(error, RateLimitExceeded | QuotaExceeded):
        secs = error.retry_after if isinstance(error, QuotaExceeded) else _retry_after(error)
        headers["Retry-After"] = str(secs)
        detail = f"Terlalu banyak percobaan. Coba lagi dalam {secs} detik."
    if not detail and status == 413:
        limit = request.max_content_length or 0
        detail = (
            f"Ukuran data melebihi batas {limit / (1024 * 1024):.0f} MB. "
            "Kecilkan berkas atau kirim dalam beberapa bagian."
        )
    if not detail:
        detail = _DETAIL.get(status, error.description or "")
        detail = detail.format(path=request.path, method=request.method)
    return problem(status, detail, headers=headers)


def _retry_after(error: RateLimitExceeded) -> int:
    current = limiter().current_limit
    if current is not None:
        return max(1, math.ceil(current.reset_at - time.time()))
    return int(error.limit.limit.get_expiry())


_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Unsupported, 415),
    (TooLarge, 413),
    (Unavailable, 503),
]


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error (422 for any other rule broken)."""
    return next((code for cls, code in _DOMAIN_STATUS if isinstance(error, cls)), 422)


def handle_domain_error(error: DomainError) -> Response:
    status = status_of(error)
    errors = [e.as_dict() for e in error.errors]
    detail = error.message
    if errors and status == 422 and error.message.endswith("belum benar."):
        detail = f"{error.message} {_summary(errors)}"
    headers = {"WWW-Authenticate": 'Bearer realm="k3zones"'} if status == 401 else {}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_S)
    return problem(status, detail, errors=errors, headers=headers or None)


def handle_database_unavailable(error: SQLAlchemyError) -> Response:
    """The database restarting, unreachable, or a statement over its time limit: nothing
    was written (the transaction rolled back); the client should try again shortly."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
    return problem(
        503,
        "Server sedang sibuk atau basis data tidak dapat dihubungi. Coba kirim lagi sebentar "
        "lagi; data Anda tidak tersimpan sebagian.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, _DETAIL[500])


class K3Api(Api):  # type: ignore[misc]
    """flask-smorest Api whose errors are problem+json, and documented as such."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)

    def _register_responses(self) -> None:
        """flask-smorest's shared responses (one per status, and DEFAULT_ERROR), with the
        problem+json body and content type the API really sends."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {
                "description": "Galat (problem+json)",
                "content": {PROBLEM_JSON: {"schema": ProblemSchema}},
            },
            lazy=True,
        )

    def document_errors(self) -> None:
        """Every operation documents the errors it can answer, each a problem+json body.
        Run once, after every blueprint is registered (it edits the registered paths)."""
        spec = self.spec
        problem_ref = spec.components.get_ref("schema", "Problem")
        for path, item in spec._paths.items():
            for method, op in item.items():
                if method not in _METHODS:
                    continue
                responses = op.setdefault("responses", {})
                # Declared by a view without a body (alt_response(401, description=...)).
                for code, resp in responses.items():
                    if (
                        code.startswith(("4", "5"))
                        and isinstance(resp, dict)
                        and "$ref" not in resp
                        and not resp.get("content")
                    ):
                        resp["content"] = {PROBLEM_JSON: {"schema": problem_ref}}
                for code in _errors_of(path, method, op):
                    if str(code) not in responses:
                        name = http.HTTPStatus(code).name
                        responses[str(code)] = spec.components.get_ref("response", name)


_METHODS = ("get", "put", "post", "patch", "delete")
_PUBLIC_OPS = {("/api/v1/auth/login", "post"), ("/api/v1/auth/refresh", "post")}


def _errors_of(path: str, method: str, op: Mapping[str, Any]) -> list[int]:
    """The statuses an operation may answer with besides its own: every one may meet the
    rate limiter (429), an unreadable parameter (422), the server (500) or the database
    (503); signed-in ones 401/403; with a path parameter 404; with a body 400/413/415."""
    codes = [422, 429, 500, 503]
    if (path, method) not in _PUBLIC_OPS:
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    if method in ("post", "put", "patch"):
        codes += [400, 413, 415]
    return sorted(codes)


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(HTTPException, handle_http_exception)
