"""GET /metrics for Prometheus, and the per-request hooks that feed it and the logs.

Who may scrape: with K3_METRICS_TOKEN set, whoever sends `Authorization: Bearer <token>`
(and nobody else, whatever the address); without it, only the loopback and private
networks (10/8, 172.16/12, 192.168/16, fc00::/7, link-local), as the peer address the app
sees (after ProxyFix when K3_PROXY_COUNT is set). A reverse proxy in front must not pass
/metrics on (docker/nginx.conf answers 404), since everything it forwards comes from a
private address when K3_PROXY_COUNT=0.

Not under /api/v1: not an API operation, not in the OpenAPI document, not fuzzed.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
import uuid

from flask import Blueprint, Flask, Response, g, request

from api.context import k3
from api.problems import problem
from k3zones import logging_setup, metrics

blp = Blueprint("metrics", __name__)


LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def _allowed_address(addr: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(addr or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in LOCAL_NETWORKS)


def _refusal() -> Response | None:
    token = k3().settings.metrics_token
    if token:
        auth = request.headers.get("Authorization", "")
        given = auth[7:] if auth[:7].lower() == "bearer " else ""
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return problem(
            401,
            "Metrik hanya untuk pemantau dengan token (K3_METRICS_TOKEN).",
            headers={"WWW-Authenticate": 'Bearer realm="k3zones-metrics"'},
        )
    if _allowed_address(request.remote_addr):
        return None
    return problem(403, "Metrik hanya dapat dibaca dari jaringan lokal atau dengan token.")


@blp.get("/metrics")
def scrape() -> Response:
    """Prometheus text format: this API's processes plus what PostgreSQL and Redis hold."""
    refused = _refusal()
    if refused is not None:
        return refused
    ctx = k3()
    body = metrics.render([metrics.StateCollector(ctx.engine, ctx.broker, ctx.redis)])
    resp = Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _start() -> None:
    g.k3_started = time.perf_counter()
    rid = logging_setup.clean_request_id(request.headers.get("X-Request-ID")) or uuid.uuid4().hex
    g.request_id = rid
    g.k3_rid_token = logging_setup.bind_request_id(rid)


def _observe(resp: Response) -> Response:
    started = g.pop("k3_started", None)
    if started is not None:
        metrics.observe_request(
            request.endpoint, request.method, resp.status_code, time.perf_counter() - started
        )
    return resp


def _unbind(_exc: BaseException | None) -> None:
    token = g.pop("k3_rid_token", None)
    if token is not None:
        logging_setup.reset_request_id(token)


def register(app: Flask) -> None:
    """Before every other hook: the request id and the clock start first, and the
    response is counted last (after_request hooks run in reverse order)."""
    app.before_request(_start)
    app.after_request(_observe)
    app.teardown_request(_unbind)
    app.register_blueprint(blp)
