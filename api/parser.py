"""Request parsing for flask-smorest with messages a field officer can act on."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
from flask_smorest import Blueprint as _Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnsupportedMediaType


def _fail(exc_cls: type[BadRequest] | type[UnsupportedMediaType], detail: str) -> NoReturn:
    err = exc_cls()
    err.k3_detail = detail  # type: ignore[attr-defined]
    raise err


_JSON_MSGS = [
    ("Expecting value", "nilai tidak ditemukan"),
    ("Expecting ',' delimiter", "kurang tanda koma"),
    ("Expecting ':' delimiter", "kurang tanda titik dua"),
    ("Expecting property name", "nama kolom harus diapit tanda kutip ganda"),
    ("Unterminated string", "teks tidak ditutup tanda kutip"),
    ("Extra data", "ada data tambahan setelah akhir JSON"),
    ("Invalid control character", "ada karakter kontrol di dalam teks"),
    ("Invalid \\escape", "escape tidak valid"),
]


class K3Parser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        body = req.get_data(cache=True)
        if not core.is_json(req.mimetype):
            if body:
                _fail(
                    UnsupportedMediaType,
                    f"Kirim data sebagai JSON (Content-Type: application/json), bukan "
                    f"{req.mimetype or 'tanpa Content-Type'}.",
                )
            return core.missing
        try:
            return core.parse_json(body)
        except RecursionError:
            _fail(BadRequest, "JSON terlalu dalam bersarang.")

    def _handle_invalid_json_error(
        self,
        error: json.JSONDecodeError | UnicodeDecodeError,
        req: flask.Request,
        *a: Any,
        **k: Any,
    ) -> NoReturn:
        if isinstance(error, json.JSONDecodeError):
            what = next((v for k, v in _JSON_MSGS if error.msg.startswith(k)), "susunan salah")
            _fail(
                BadRequest,
                f"JSON tidak valid: {what} pada baris {error.lineno} kolom {error.colno}. "
                "Periksa tanda kutip, koma, dan kurung.",
            )
        _fail(BadRequest, "JSON tidak valid: teks harus UTF-8.")


class Blueprint(_Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = K3Parser()


def read_json_body() -> Any:
    """The request body as JSON, for views that validate it in the domain (GeoJSON import)."""
    data = Blueprint.ARGUMENTS_PARSER.load_json(flask.request, None)
    if data is core.missing:
        _fail(BadRequest, "Kirim data JSON di badan permintaan (body kosong).")
    return data
