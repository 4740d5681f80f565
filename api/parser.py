"""Request parsing for flask-smorest with messages a field officer can act on."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import flask
from flask.typing import AfterRequestCallable
from flask_smorest import Blueprint as _Blueprint
from marshmallow import RAISE, Schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from api.schemas.common import K3Schema
from k3zones import strictjson
from k3zones.errors import FieldError, InvalidInput

_T = TypeVar("_T")
_R = TypeVar("_R", bound=AfterRequestCallable[Any])


def _fail(exc_cls: type[BadRequest] | type[UnsupportedMediaType], detail: str) -> NoReturn:
    err = exc_cls()
    vars(err)["k3_detail"] = detail  # read back by problems.handle_http_exception
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
    # A query parameter the operation does not know is refused (422), as its schema says,
    # not dropped: a misspelt filter must not silently answer everything.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {  # noqa: RUF012  (webargs reads it)
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

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
        text = body.decode("utf-8")  # UnicodeDecodeError: worded by webargs' handler below
        if not text:
            raise json.JSONDecodeError("Expecting value", "", 0)  # webargs: no body
        # Strict: NaN, Infinity, huge numbers, NUL and lone surrogates are 422s at their field.
        return strictjson.loads(text)

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


_SchemaArg = Schema | type[Schema]


class Blueprint(_Blueprint):  # type: ignore[misc]  # flask-smorest ships no type hints
    """flask-smorest's Blueprint with K3Parser, and typed signatures for the decorators
    the views use, so that the views stay type-checked under them."""

    ARGUMENTS_PARSER = K3Parser()

    def route(
        self,
        rule: str,
        *,
        parameters: list[Any] | None = None,
        tags: list[str] | None = None,
        **options: Any,
    ) -> Callable[[_T], _T]:
        decorator: Callable[[_T], _T] = super().route(
            rule, parameters=parameters, tags=tags, **options
        )
        return decorator

    def arguments(
        self, schema: _SchemaArg, *, location: str = "json", **kwargs: Any
    ) -> Callable[[_T], _T]:
        if location in ("query", "querystring"):
            schema = schema() if isinstance(schema, type) else schema
            if isinstance(schema, K3Schema):
                schema.numbers_as_text = True  # read by K3Schema's JSON number check
        decorator: Callable[[_T], _T] = super().arguments(schema, location=location, **kwargs)
        if location != "json" or not kwargs.get("required", True):
            return decorator

        # The OpenAPI document says the body is required; webargs reads a missing body as
        # {} (a PATCH with nothing would answer 200), so a missing body is refused first.
        def require_body(view: _T) -> _T:
            parsed: Any = decorator(view)

            @functools.wraps(parsed)
            def wrapper(*args: Any, **kw: Any) -> Any:
                if not flask.request.get_data(cache=True):
                    raise InvalidInput(
                        "Badan permintaan kosong: kirim data JSON (Content-Type: "
                        "application/json).",
                        [FieldError((), "Badan permintaan wajib diisi.")],
                    )
                return parsed(*args, **kw)

            return wrapper  # type: ignore[return-value]

        return require_body

    def response(
        self, status_code: int, schema: _SchemaArg | None = None, **kwargs: Any
    ) -> Callable[[_T], _T]:
        decorator: Callable[[_T], _T] = super().response(status_code, schema, **kwargs)
        return decorator

    def alt_response(
        self, status_code: int, response: Any = None, **kwargs: Any
    ) -> Callable[[_T], _T]:
        decorator: Callable[[_T], _T] = super().alt_response(status_code, response, **kwargs)
        return decorator

    @staticmethod
    def doc(**kwargs: Any) -> Callable[[_T], _T]:
        decorator: Callable[[_T], _T] = _Blueprint.doc(**kwargs)
        return decorator

    def after_request(self, f: _R) -> _R:
        registered: _R = super().after_request(f)
        return registered


_ANY_SCHEMA = Schema()  # load_json wants one; reading raw JSON does not use it


def read_json_body() -> Any:
    """The request body as JSON, for views that validate it in the domain (GeoJSON import)."""
    data = Blueprint.ARGUMENTS_PARSER.load_json(flask.request, _ANY_SCHEMA)
    if data is core.missing:
        _fail(BadRequest, "Kirim data JSON di badan permintaan (body kosong).")
    return data


def refuse_unstorable_text() -> None:
    """Before any view: query parameters, path segments and the Idempotency-Key carry no
    NUL or lone surrogate (PostgreSQL cannot store them; they would end as a 500). JSON
    bodies are checked by the parser, multipart fields where they are read."""
    errors: list[FieldError] = []
    for name, value in flask.request.args.items(multi=True):
        why = strictjson.text_problem(name) or strictjson.text_problem(value)
        if why:
            errors.append(FieldError(("query", name.replace("\x00", "?")), why))
    for name, value in (flask.request.view_args or {}).items():
        if isinstance(value, str) and (why := strictjson.text_problem(value)):
            errors.append(FieldError(("path", name), why))
    key = flask.request.headers.get("Idempotency-Key")
    if key is not None and (why := strictjson.text_problem(key)):
        errors.append(FieldError(("header", "Idempotency-Key"), why))
    if errors:
        raise InvalidInput("Permintaan belum benar.", errors)
