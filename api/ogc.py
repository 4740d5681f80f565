"""OGC API - Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) at /ogc, for QGIS, ArcGIS,
GDAL and anyone who wants the zones as open data.

Two views of the same collections, each a complete OGC API with its own landing page:

- /ogc                              the city (kota): every kecamatan, filter ?kecamatan=
- /ogc/kecamatan/<slug>             one kecamatan

Why a path prefix rather than per-kecamatan collection ids (`medansatria-zones`): the
collection ids stay the same four words everywhere, so a QGIS project, a script or a
style made for one kecamatan works for the next by changing the connection URL only;
the list of collections does not grow with the number of kecamatan; and the kecamatan
scope of a staff caller maps onto the prefix the way it maps onto ?kecamatan= in /api/v1.

Sign-in: public collections need none. The staff collections (reports,
zone-status-history) take HTTP Basic (what QGIS and GDAL keep in a saved connection) or a
Bearer token, checked here with the API's own services and sign-in guard, against the
rows of the ogc staff endpoints in api.policy (fail closed: a staff endpoint without a
row is refused). These endpoints are in api.policy.PUBLIC only so that api.security,
which knows Bearer (and Basic for ODK alone), lets the request reach this check.

Errors are problem+json carrying the OGC exception members too: {code, description}.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from api.context import k3
from api.policy import POLICY
from api.problems import problem, status_of
from api.security import ROLE_ID, SignInGuard, bearer_token, throttled_message
from k3zones import fastjson, ogc
from k3zones.errors import DomainError, NotFound, Unauthenticated
from k3zones.principal import Principal
from k3zones.services import auth as auth_service
from k3zones.services import ogc as ogc_service

blp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
PREFIXES = ("", "/kecamatan/<kecamatan>")
# The staff collections: endpoint prefix and the converter of their feature ids. Static
# paths (no <cid>), so each is an endpoint of its own with its rows in api.policy.
STAFF = {"reports": ("reports", "uuid"), "zone-status-history": ("history", "int")}
STAFF_ENDPOINTS = frozenset(
    f"ogc.{short}_{kind}" for short, _ in STAFF.values() for kind in ("collection", "items", "item")
)
CHALLENGE = 'Basic realm="k3zones", Bearer realm="k3zones"'
CODES = {
    400: "InvalidParameterValue",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    422: "InvalidParameterValue",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}
PUBLIC_MAX_AGE = 60


# --- errors ---------------------------------------------------------------------------


def _exception(status: int, description: str, **extra: Any) -> Response:
    """problem+json with the OGC exception members (17-069r4, 7.5.1): code, description."""
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    return problem(
        status,
        description,
        headers=headers,
        code=CODES.get(status, "ServerError"),
        description=description,
        **extra,
    )


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    status = status_of(error)
    # A parameter the collection does not take, or cannot read: 400 in OGC API terms.
    status = 400 if status == 422 else status
    return _exception(status, error.message, errors=[e.as_dict() for e in error.errors])


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        return _exception(404, "Alamat ini tidak ada di OGC API k3zones.")
    if status == 405:
        return _exception(405, "OGC API ini hanya dapat dibaca (GET).")
    return _exception(status, error.description or "Permintaan tidak dapat dilayani.")


# --- sign-in --------------------------------------------------------------------------


def _authenticate() -> Principal | Response:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        if not auth.username:
            return _exception(401, "Masukkan nama pengguna dan kata sandi k3zones.")
        guard = SignInGuard.for_request(auth.username, "ogc")
        wait = guard.blocked_for()
        if wait:
            resp = _exception(429, throttled_message(wait))
            resp.headers["Retry-After"] = str(wait)
            return resp
        try:
            p = auth_service.verify_basic(k3().uow, auth.username, auth.password or "")
        except auth_service.BadCredentials as exc:
            guard.failed()
            return _exception(401, exc.message)
        except Unauthenticated as exc:
            return _exception(401, exc.message)
        guard.succeeded()
        return p
    token = bearer_token()
    if token is None:
        return _exception(401, "Gunakan HTTP Basic atau Bearer untuk masuk.")
    try:
        return auth_service.authenticate(k3().uow, k3().settings, token)
    except Unauthenticated as exc:
        return _exception(401, exc.message)


def _allowed(p: Principal, endpoint: str) -> bool:
    roles = POLICY.get((endpoint, "GET"))
    return roles is not None and p.role in roles


@blp.before_request
def _sign_in() -> Response | None:
    g.ogc_caller = None
    if "Authorization" in request.headers:
        got = _authenticate()
        if isinstance(got, Response):
            return got
        g.ogc_caller = got
    if request.endpoint in STAFF_ENDPOINTS:
        caller: Principal | None = g.ogc_caller
        if caller is None:
            return _exception(401, "Koleksi ini hanya untuk staf: masuk dengan akun k3zones.")
        if not _allowed(caller, request.endpoint or ""):
            return _exception(
                403,
                f"Peran Anda ({ROLE_ID[caller.role.value]}) tidak diizinkan membaca koleksi ini.",
            )
    return None


def _caller() -> Principal | None:
    p: Principal | None = g.get("ogc_caller")
    return p


def _visible(c: ogc.CollectionDef) -> bool:
    caller = _caller()
    return not c.staff or (caller is not None and _allowed(caller, f"ogc.{STAFF[c.id][0]}_items"))


# --- links and formats ----------------------------------------------------------------


def _format(allowed: frozenset[str] = frozenset()) -> str:
    """json or html: ?f= first, then the Accept header (JSON when it prefers nothing)."""
    ogc.check_params(list(request.args.items(multi=True)), {"f"} | allowed)
    f = ogc.parse_format(request.args)
    if f:
        return f
    best = request.accept_mimetypes.best_match(
        [GEOJSON, "application/json", "text/html"], default="application/json"
    )
    return "html" if best == "text/html" else "json"


def _url(endpoint: str, kecamatan: str | None, /, **values: Any) -> str:
    """An absolute link. Path values by name (kecamatan, cid, fid); everything else is the
    query string (built apart, so a ?kecamatan= filter never turns into the path)."""
    cid = values.pop("cid", None)
    path_values = {"fid": values.pop("fid")} if "fid" in values else {}
    if cid in STAFF:
        endpoint = f"ogc.{STAFF[cid][0]}_{endpoint.split('.')[1]}"
    elif cid is not None:
        path_values["cid"] = cid
    url = url_for(endpoint, kecamatan=kecamatan, _external=True, **path_values)
    query = {k: v for k, v in values.items() if v is not None}
    return f"{url}?{urlencode(query)}" if query else url


def _links(
    endpoint: str, kecamatan: str | None, json_type: str = "application/json", /, **values: Any
) -> list[dict[str, str]]:
    return [
        {
            "href": _url(endpoint, kecamatan, f="json", **values),
            "rel": "self",
            "type": json_type,
            "title": "Dokumen ini (JSON)",
        },
        {
            "href": _url(endpoint, kecamatan, f="html", **values),
            "rel": "alternate",
            "type": "text/html",
            "title": "Dokumen ini (HTML)",
        },
    ]


def _respond(
    body: Mapping[str, Any], fmt: str, page: str, json_type: str = "application/json"
) -> Response:
    if fmt == "html":
        resp = Response(
            render_template("ogc.html", page=page, data=body, kecamatan=g.get("ogc_kecamatan")),
            mimetype="text/html",
        )
    else:
        resp = Response(fastjson.dumps(body, str), mimetype=json_type)
    resp.headers["Vary"] = "Accept, Authorization"
    if _caller() is None:
        resp.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        resp.add_etag()
        resp.make_conditional(request)
    else:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _title(kecamatan: str | None) -> str:
    if kecamatan is None:
        return "k3zones: Zona K3 (tampilan kota)"
    info = ogc_service.get_kecamatan(k3().uow, kecamatan)
    g.ogc_kecamatan = info
    return f"k3zones: Zona K3 Kecamatan {info.name}, {info.kota}"


def _collection_def(cid: str, staff: bool) -> ogc.CollectionDef:
    c = ogc.COLLECTIONS.get(cid)
    if c is None or c.staff != staff:
        raise _not_found(cid)
    return c


def _not_found(cid: str) -> DomainError:
    return NotFound(f"Koleksi '{cid[:64]}' tidak ada.")


# --- views ----------------------------------------------------------------------------


def landing(kecamatan: str | None = None) -> Response:
    fmt = _format()
    title = _title(kecamatan)
    body = {
        "title": title,
        "description": "Zona K3 (Ketertiban, Kebersihan, Keindahan) yang ditetapkan SK camat, "
        "statusnya, dan batas kelurahan: OGC API - Features.",
        "links": [
            *_links("ogc.landing", kecamatan),
            {
                "href": _url("ogc.api_doc", kecamatan, f="json"),
                "rel": "service-desc",
                "type": OPENAPI,
                "title": "Definisi API (OpenAPI 3.0)",
            },
            {
                "href": _url("ogc.api_doc", kecamatan, f="html"),
                "rel": "service-doc",
                "type": "text/html",
                "title": "Dokumentasi API",
            },
            {
                "href": _url("ogc.conformance", kecamatan),
                "rel": "conformance",
                "type": "application/json",
                "title": "Kelas kesesuaian",
            },
            {
                "href": _url("ogc.collections", kecamatan),
                "rel": "data",
                "type": "application/json",
                "title": "Koleksi",
            },
        ],
    }
    return _respond(body, fmt, "landing")


def conformance(kecamatan: str | None = None) -> Response:
    fmt = _format()
    _title(kecamatan)
    return _respond({"conformsTo": ogc.CONFORMANCE}, fmt, "conformance")


def api_doc(kecamatan: str | None = None) -> Response:
    fmt = _format()
    title = _title(kecamatan)
    base = _url("ogc.landing", kecamatan).rstrip("/")
    doc = ogc.openapi(base, title, list(ogc.COLLECTIONS.values()), kota=kecamatan is None)
    if fmt == "html":
        return _respond(doc, fmt, "api")
    return _respond(doc, fmt, "api", OPENAPI)


def _collection_body(c: ogc.CollectionDef, kecamatan: str | None) -> dict[str, Any]:
    ext = ogc_service.extent(k3().uow, _caller(), kecamatan, c)
    extent: dict[str, Any] = {}
    if ext.bbox is not None:
        extent["spatial"] = {"bbox": [list(ext.bbox)], "crs": ogc.CRS84}
    if ext.interval is not None:
        extent["temporal"] = {"interval": [list(ext.interval)], "trs": ogc.TRS_GREGORIAN}
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [ogc.CRS84],
        "extent": extent,
        "links": [
            *_links("ogc.collection", kecamatan, cid=c.id),
            {
                "href": _url("ogc.items", kecamatan, cid=c.id, f="json"),
                "rel": "items",
                "type": GEOJSON,
                "title": f"{c.title} (GeoJSON)",
            },
            {
                "href": _url("ogc.items", kecamatan, cid=c.id, f="html"),
                "rel": "items",
                "type": "text/html",
                "title": f"{c.title} (HTML)",
            },
        ],
    }


def collections(kecamatan: str | None = None) -> Response:
    fmt = _format()
    _title(kecamatan)
    shown = [c for c in ogc.COLLECTIONS.values() if _visible(c)]
    body = {
        "links": _links("ogc.collections", kecamatan),
        "collections": [_collection_body(c, kecamatan) for c in shown],
    }
    return _respond(body, fmt, "collections")


def _collection(cid: str, kecamatan: str | None, staff: bool) -> Response:
    fmt = _format()
    c = _collection_def(cid, staff)
    _title(kecamatan)
    return _respond(_collection_body(c, kecamatan), fmt, "collection")


def _items(cid: str, kecamatan: str | None, staff: bool) -> Response:
    c = _collection_def(cid, staff)
    args = list(request.args.items(multi=True))
    query = ogc.parse_items_query(c, args, kota=kecamatan is None)
    fmt = _format(frozenset(n for n, _ in args))
    if kecamatan is not None:
        _title(kecamatan)
    page = ogc_service.items(k3().uow, _caller(), kecamatan, c, query)
    keep = {n: v for n, v in args if n not in ("f", "offset")}
    links = [
        *_links("ogc.items", kecamatan, GEOJSON, cid=cid, **keep, offset=query.offset),
        {
            "href": _url("ogc.collection", kecamatan, cid=cid),
            "rel": "collection",
            "type": "application/json",
            "title": c.title,
        },
    ]
    if query.offset + query.limit < page.number_matched:
        links.append(
            {
                "href": _url(
                    "ogc.items", kecamatan, cid=cid, **keep, offset=query.offset + query.limit
                ),
                "rel": "next",
                "type": GEOJSON,
                "title": "Halaman berikutnya",
            }
        )
    if query.offset > 0:
        links.append(
            {
                "href": _url(
                    "ogc.items",
                    kecamatan,
                    cid=cid,
                    **keep,
                    offset=max(0, query.offset - query.limit),
                ),
                "rel": "prev",
                "type": GEOJSON,
                "title": "Halaman sebelumnya",
            }
        )
    body = {
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    if fmt == "html":
        body = {**body, "title": c.title, "collection": c.id}
    return _respond(body, fmt, "items", GEOJSON)


def _item(cid: str, fid: str, kecamatan: str | None, staff: bool) -> Response:
    fmt = _format()
    c = _collection_def(cid, staff)
    if kecamatan is not None:
        _title(kecamatan)
    feature = ogc_service.item(k3().uow, _caller(), kecamatan, c, fid)
    feature["links"] = [
        *_links("ogc.item", kecamatan, GEOJSON, cid=cid, fid=fid),
        {
            "href": _url("ogc.collection", kecamatan, cid=cid),
            "rel": "collection",
            "type": "application/json",
            "title": c.title,
        },
    ]
    if fmt == "html":
        feature = {**feature, "title": c.title, "collection": c.id}
    return _respond(feature, fmt, "item", GEOJSON)


def collection(cid: str, kecamatan: str | None = None) -> Response:
    return _collection(cid, kecamatan, staff=False)


def items(cid: str, kecamatan: str | None = None) -> Response:
    return _items(cid, kecamatan, staff=False)


def item(cid: str, fid: str, kecamatan: str | None = None) -> Response:
    return _item(cid, fid, kecamatan, staff=False)


def _staff_views(cid: str, short: str, id_converter: str) -> None:
    def collection_view(kecamatan: str | None = None) -> Response:
        return _collection(cid, kecamatan, staff=True)

    def items_view(kecamatan: str | None = None) -> Response:
        return _items(cid, kecamatan, staff=True)

    def item_view(fid: object, kecamatan: str | None = None) -> Response:
        return _item(cid, str(fid), kecamatan, staff=True)

    for view, rule, kind in (
        (collection_view, f"/collections/{cid}", "collection"),
        (items_view, f"/collections/{cid}/items", "items"),
        (item_view, f"/collections/{cid}/items/<{id_converter}:fid>", "item"),
    ):
        for prefix in PREFIXES:
            blp.add_url_rule(prefix + rule, endpoint=f"{short}_{kind}", view_func=view)


def _route(rule: str, view: Any) -> None:
    # No rule defaults: the views default kecamatan to None themselves, and url_for picks
    # the rule with <kecamatan> exactly when a kecamatan is given.
    for prefix in PREFIXES:
        blp.add_url_rule(prefix + rule, endpoint=view.__name__, view_func=view)


for _cid, (_short, _conv) in STAFF.items():
    _staff_views(_cid, _short, _conv)
_route("/", landing)
_route("/conformance", conformance)
_route("/api", api_doc)
_route("/collections", collections)
_route("/collections/<cid>", collection)
_route("/collections/<cid>/items", items)
_route("/collections/<cid>/items/<fid>", item)
