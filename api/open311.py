"""Open311 GeoReport v2 at /open311/v2 (what FixMyStreet, SeeClickFix and city apps speak).

jurisdiction_id is the kecamatan slug. JSON or XML by the path's extension. Errors are the
spec's list of {code, description}, with a 4xx status. POST requests are form-encoded
and need the partner app's api_key (issued and revoked by the kecamatan's admin). Public
fields only: a reporter's name, phone and e-mail never leave the staff side.

Not part of the /api/v1 OpenAPI document: the GeoReport v2 specification is its contract.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, request, url_for
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from api.context import k3, limiter
from api.problems import status_of
from k3zones import complaints as rules
from k3zones.complaints import DuplicateRule
from k3zones.enums import ComplaintChannel
from k3zones.errors import DomainError, FieldError, InvalidInput, Unauthenticated
from k3zones.services import complaints
from k3zones.strictjson import text_problem

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FMT = "<any(json,xml):fmt>"
_F = TypeVar("_F", bound=Callable[..., Response])
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
PAGE_SIZE_MAX = 200


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return _CONTROL.sub("\ufffd", str(value))  # XML 1.0 cannot carry these


def _element(tag: str, value: Any, item_tag: str) -> ET.Element:
    el = ET.Element(tag)
    if isinstance(value, Mapping):
        for k, v in value.items():
            el.append(_element(str(k), v, item_tag))
    elif isinstance(value, list):
        for v in value:
            el.append(_element(item_tag if tag != "values" else "value", v, item_tag))
    else:
        el.text = _xml_text(value)
    return el


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _answer(
    fmt: str, root: str, item: str, items: list[dict[str, Any]], status: int = 200
) -> Response:
    if fmt == "xml":
        el = _element(root, items, item)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8")
        return Response(body, status=status, mimetype="text/xml")
    return Response(
        json.dumps(_jsonable(items), ensure_ascii=False), status=status, mimetype="application/json"
    )


def _error(fmt: str, status: int, description: str) -> Response:
    return _answer(fmt, "errors", "error", [{"code": status, "description": description}], status)


def _describe(exc: DomainError) -> str:
    parts = [exc.message]
    parts += [
        f"{'.'.join(str(p) for p in e.path) or 'data'}: {e.message}"
        for e in exc.errors
        if e.message
    ]
    return " ".join(parts)


def open311_errors(view: _F) -> _F:
    """Every error of an Open311 view in the spec's format (4xx, [{code, description}])."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        fmt = kwargs.get("fmt", "json")
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            status = status_of(exc)
            # 401 is the sign-in of the staff API; a bad api_key is a 403 in GeoReport.
            status = {401: 403, 422: 400, 415: 400}.get(status, status)
            resp = _error(fmt, status, _describe(exc))
            if status == 503:
                resp.headers["Retry-After"] = "30"
            return resp
        except RateLimitExceeded as exc:
            resp = _error(fmt, 429, "Terlalu banyak laporan dari alamat atau aplikasi ini.")
            resp.headers["Retry-After"] = str(int(exc.limit.limit.get_expiry()))
            return resp
        except HTTPException as exc:
            code = exc.code or 400
            desc = "Data terlalu besar." if code == 413 else "Permintaan tidak dapat dibaca."
            return _error(fmt, code, desc)

    return wrapper  # type: ignore[return-value]


def _jurisdiction(required: bool = True) -> str:
    slug = request.values.get("jurisdiction_id", "").strip()
    if not slug and required:
        raise InvalidInput("jurisdiction_id wajib diisi (slug kecamatan).")
    if text_problem(slug) or len(slug) > 64:
        raise InvalidInput("jurisdiction_id tidak valid.")
    return slug


def _service(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": rules.CATEGORIES[code],
        "description": rules.CATEGORY_DESCRIPTIONS[code],
        "metadata": code in rules.ATTRIBUTES,
        "type": "realtime",
        "keywords": "k3, ketertiban, kebersihan, keindahan",
        "group": "K3",
    }


@blp.get(f"/services.{FMT}")
@open311_errors
def services(fmt: str) -> Response:
    """The categories: the K3 violation kinds and "lainnya"."""
    _jurisdiction(required=False)
    return _answer(fmt, "services", "service", [_service(c) for c in rules.CATEGORIES])


@blp.get(f"/services/<code>.{FMT}")
@open311_errors
def service_definition(code: str, fmt: str) -> Response:
    _jurisdiction(required=False)
    if code not in rules.CATEGORIES:
        return _error(fmt, 404, "service_code tidak dikenal.")
    body = {"service_code": code, "attributes": rules.ATTRIBUTES.get(code, [])}
    if fmt == "xml":
        el = _element("service_definition", body, "attribute")
        out = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8")
        return Response(out, mimetype="text/xml")
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """The GeoReport v2 fields of a request (nothing of the reporter)."""
    media = row["media_url"]
    if not media and row["photo_ids"]:
        media = (
            url_for("lapor.photo", photo_id=row["photo_ids"][0], variant="web", _external=True)
            if "lapor.photo" in current_app.view_functions
            else ""
        )
    keys = (
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
    )
    return {**{k: row[k] for k in keys}, "media_url": media}


def _dt(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not _DATE_RE.match(raw):
        raise InvalidInput(f"{name} harus waktu W3C, mis. 2026-01-01T00:00:00Z.")
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _csv(name: str, allowed: set[str] | None = None, limit: int = 50) -> list[str]:
    raw = request.args.get(name, "")
    items = [x.strip() for x in raw.split(",") if x.strip()]
    if len(items) > limit:
        raise InvalidInput(f"{name}: paling banyak {limit} nilai.")
    if allowed is not None and any(x not in allowed for x in items):
        raise InvalidInput(f"{name} harus salah satu dari: {', '.join(sorted(allowed))}.")
    return items


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise InvalidInput(f"{name} harus bilangan bulat {lo} sampai {hi}.")
    return int(raw)


@blp.route(f"/requests.{FMT}", methods=["GET", "POST"])
@open311_errors
def requests_(fmt: str) -> Response:
    if request.method == "POST":
        return _post(fmt)
    slug = _jurisdiction()
    start, end = _dt("start_date"), _dt("end_date")
    if start and end and start > end:
        raise InvalidInput("start_date harus sebelum end_date.")
    f = complaints.PublicFilter(
        codes=_csv("service_request_id"),
        categories=_csv("service_code", set(rules.CATEGORIES)),
        start=start,
        end=end,
        status=_csv("status", {"open", "closed"}),
        page=_int_arg("page", 1, 1, 10_000),
        page_size=_int_arg("page_size", 50, 1, PAGE_SIZE_MAX),
    )
    rows = complaints.public_requests(k3().uow, slug, f)
    return _answer(fmt, "service_requests", "request", [_public(r) for r in rows])


def _post(fmt: str) -> Response:
    if request.mimetype != "application/x-www-form-urlencoded":
        raise InvalidInput("Kirim sebagai application/x-www-form-urlencoded (GeoReport v2).")
    form = request.form  # over MAX_CONTENT_LENGTH: 413, in the Open311 format
    slug = _jurisdiction()
    api_key = form.get("api_key", "")
    if not api_key or text_problem(api_key) or len(api_key) > 200:
        raise Unauthenticated("api_key wajib diisi.")
    fields = {k: v for k, v in form.items() if k not in ("api_key", "jurisdiction_id")}
    for k, v in fields.items():
        if why := text_problem(k) or text_problem(v):
            raise InvalidInput("Data belum benar.", [FieldError((k.replace("\x00", "?"),), why)])
    data = rules.parse_input(fields, require_location=False)
    if isinstance(data, list):
        raise InvalidInput("Data belum benar.", data)
    st = k3().settings
    with limiter().limit(
        st.complaint_limit_per_partner, key_func=lambda: f"open311:{slug}:{api_key[:16]}"
    ):
        done = complaints.submit(
            k3().uow,
            k3().storage,
            data,
            channel=ComplaintChannel.OPEN311,
            kecamatan_slug=slug,
            api_key=api_key,
            duplicate=DuplicateRule(st.complaint_duplicate_m, st.complaint_duplicate_days),
        )
    k3().relay()
    notice = (
        f"Digabung dengan laporan {done.merged_into}." if done.merged_into else "Laporan diterima."
    )
    item = {
        "service_request_id": done.code,
        "token": done.token,
        "service_notice": notice,
        "account_id": "",
    }
    return _answer(fmt, "service_requests", "request", [item], 201)


@blp.get(f"/requests/<code>.{FMT}")
@open311_errors
def request_one(code: str, fmt: str) -> Response:
    slug = _jurisdiction()
    row = complaints.public_request(k3().uow, slug, code)
    return _answer(fmt, "service_requests", "request", [_public(row)])


@blp.get(f"/tokens/<token>.{FMT}")
@open311_errors
def token(token: str, fmt: str) -> Response:
    slug = _jurisdiction()
    row = complaints.public_by_token(k3().uow, slug, token)
    return _answer(fmt, "service_requests", "request", [row])
