"""HTTP layer: Flask + flask-smorest. Thin: parse, call a k3zones service, serialise."""

from __future__ import annotations

import datetime
import decimal
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, jsonify, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from api import (
    audit,
    auth_views,
    chain,
    complaints,
    console,
    decrees,
    exports,
    headers,
    health,
    kecamatan,
    kelurahan,
    kota,
    labels,
    lapor,
    links,
    metrics,
    ogc,
    open311,
    openrosa,
    photo_reads,
    plans,
    privacy,
    problems,
    publik,
    reference,
    reports,
    security,
    status,
    targets,
    teams,
    users,
    zones,
)
from api.cli import register_cli
from api.parser import refuse_unstorable_text
from api.quota import Quotas
from k3zones import fastjson
from k3zones.runtime import Runtime
from k3zones.settings import Settings
from workers import make_celery, outbox_sender

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        # Percentages are Decimal in the domain; JSON clients want numbers, not strings.
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        # ISO 8601 as every documented date-time says, not Flask's HTTP date (RFC 822).
        if isinstance(o, datetime.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        # Compact (as every response is written) through orjson: a map page ~6x faster.
        if kwargs.get("separators", (",", ":")) == (",", ":") and kwargs.keys() <= {"separators"}:
            return fastjson.dumps(obj, self.default)
        return super().dumps(obj, **kwargs)  # e.g. indent: the standard library's way


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_json_bytes,
        API_TITLE="k3zones",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Served from the installed swagger-ui-bundle package: no CDN at run time.
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/static/",
        API_SPEC_OPTIONS={
            "info": {
                "description": "API zona K3 (Ketertiban, Kebersihan, Keindahan) kecamatan. "
                "Galat dikirim sebagai application/problem+json (RFC 9457).",
            },
        },
    )
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    runtime = Runtime.build(settings)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=settings.redis_url,
        storage_options={"socket_connect_timeout": 2, "socket_timeout": 2},
        headers_enabled=True,
        key_prefix="k3zones",
        # A Redis outage must not lock everyone out: count in memory meanwhile.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    # Every limit of this app is applied where it is declared (`with limiter().limit(...)`
    # in a view), none for the whole app, by default or per blueprint: the check the
    # extension runs before every request has nothing to count (~0.2 ms of CPU each).
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        raise RuntimeError("Flask-Limiter: app-wide limits need its per-request check")
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.extensions["k3"] = runtime
    app.extensions["k3_limiter"] = limiter
    app.extensions["k3_quotas"] = Quotas(runtime.redis)

    api = problems.K3Api(app)
    problems.register(app)
    # First: the request id and the clock, for every request (metrics and logs).
    metrics.register(app)
    app.before_request(refuse_unstorable_text)
    security.register(app)
    headers.register(app)
    for module in (
        auth_views,
        reference,
        decrees,
        zones,
        targets,
        reports,
        status,
        exports,
        users,
        teams,
        audit,
        photo_reads,
        complaints,
        kelurahan,
        plans,
        chain,
        privacy,
        labels,
        kota,
        kecamatan,
    ):
        api.register_blueprint(module.blp)
    app.register_blueprint(health.blp)
    app.register_blueprint(console.blp)
    app.register_blueprint(openrosa.blp)
    app.register_blueprint(open311.blp)
    app.register_blueprint(lapor.blp)
    app.register_blueprint(ogc.blp)
    app.register_blueprint(publik.blp)
    api.document_errors()
    links.add_links(api.spec._paths)  # after every blueprint: links point across them
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    api.spec.options["security"] = [{"bearer": []}]

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_static(filename: str) -> Response:
        return send_from_directory(SWAGGER_DIR, filename, max_age=86400)

    @app.get("/")
    @app.get("/api/v1/")
    def index() -> Response:
        return jsonify(
            name="k3zones",
            docs="/api/v1/docs",
            openapi="/api/v1/openapi.json",
            zones="/api/v1/zones",
            decrees="/api/v1/decrees",
            targets="/api/v1/targets",
            kecamatan="/api/v1/kecamatan",
        )

    register_cli(app)
    celery = make_celery(runtime, app.name)
    app.extensions["celery"] = celery
    # Outbox work reaches the queue through Celery; the domain only sees a callable.
    runtime.send = outbox_sender(celery)
    return app
