"""API9:2023 Improper Inventory Management, for k3zones.

The API has one inventory and the app cannot drift from it unnoticed:
- every Flask URL rule under /api/v1 (each path and method) is in the OpenAPI document
  served at /api/v1/openapi.json, and every documented path and method exists: no shadow
  endpoint, no documented ghost. The only undocumented /api/v1 URLs are the documents
  themselves (Swagger UI, its files, the OpenAPI JSON) and the index of links.
- nothing is served outside the known surfaces (/api/v1, /openrosa for ODK Collect,
  /console, the health probes, the index): no forgotten /api/v0, /debug or /admin.
- the bench endpoint (api/bench.py) exists only when K3_BENCH=1: it is neither routed nor
  documented in a normal start.
- every endpoint and method has a permission entry (api/policy.py POLICY, or PUBLIC),
  no entry names an endpoint that no longer exists, and an endpoint added without an entry
  is refused even to an admin (fail closed).
- the document states its version (v1, OpenAPI 3.0.3) and every path carries it.
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.http import assert_problem, login_client

# /api/v1 URLs that are not API operations, and why they are not in the document.
UNDOCUMENTED = {
    "api-docs.openapi_json": "the OpenAPI document itself",
    "api-docs.openapi_swagger_ui": "Swagger UI, which renders the document",
    "swagger_static": "Swagger UI's JavaScript and CSS",
    "index": "the index of links (/ and /api/v1/)",
}
SURFACES = (
    "/api/v1/",  # the JSON API (its OpenAPI document lists every operation)
    "/openrosa/",  # ODK Collect
    "/open311/v2/",  # partner complaint apps (GeoReport v2)
    "/ogc",  # OGC API - Features (its own OpenAPI document at /ogc/api)
    "/lapor",  # the citizens' complaint form and status pages
    "/publik/",  # the public transparency page
    "/console",
    "/healthz",
    "/readyz",
    "/metrics",  # Prometheus (loopback/private networks or K3_METRICS_TOKEN)
    "/static/",
)


def _methods(rule: Any) -> set[str]:
    """What a rule answers, less what needs no entry of its own: OPTIONS, and the HEAD that
    Flask adds to every GET (it is checked as the GET)."""
    methods = set(rule.methods or ()) - {"OPTIONS"}
    return methods - {"HEAD"} if "GET" in methods else methods


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _operations(app: Any) -> set[tuple[str, str]]:
    return {
        (_openapi_path(r.rule), m)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and r.endpoint not in UNDOCUMENTED
        for m in _methods(r)
    }


def _documented(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    routed, documented = _operations(app), _documented(spec)
    assert routed, "no /api/v1 routes found: the comparison would prove nothing"
    assert routed - documented == set(), "routed but missing from openapi.json"
    assert documented - routed == set(), "documented but not routed"


def test_nothing_is_served_outside_the_known_surfaces(app):
    stray = [
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule != "/" and not r.rule.startswith(SURFACES)
    ]
    assert stray == []
    anon = app.test_client()
    for path in ("/api/v0/zones", "/api/v2/zones", "/api/zones", "/debug", "/admin"):
        assert anon.get(path).status_code == 404, path


def test_the_benchmarks_add_no_endpoint(settings, monkeypatch):
    """`make bench` measures the real app against a separate floor app
    (bench/floor_app.py): the app served under K3_BENCH=1 has no extra route."""
    from api import create_app  # lazy: tests/conftest.py builds apps inside fixtures too

    monkeypatch.setenv("K3_BENCH", "1")
    bench_app = create_app(settings)
    assert not [r.rule for r in bench_app.url_map.iter_rules() if "bench" in r.rule]
    spec = bench_app.test_client().get("/api/v1/openapi.json").get_json()
    assert not [p for p in spec["paths"] if "bench" in p]


def test_every_endpoint_has_a_permission_entry_and_no_entry_is_stale(app):
    from api.policy import POLICY, PUBLIC  # lazy: imports the ORM enums

    routed = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in _methods(r)}
    missing = sorted(
        (endpoint, m)
        for endpoint, m in routed
        if endpoint not in PUBLIC and (endpoint, m) not in POLICY
    )
    assert missing == []
    # Stale rows (an endpoint that is gone) are how an old permission lingers on.
    endpoints = {e for e, _ in routed}
    stale = sorted(k for k in POLICY if k not in routed)
    assert stale == []
    assert sorted(PUBLIC - endpoints) == []


def test_an_endpoint_without_a_permission_entry_is_refused_even_to_an_admin(
    settings, sample, monkeypatch
):
    from api import create_app  # lazy: tests/conftest.py builds apps inside fixtures too

    fresh = create_app(settings)
    fresh.config["TESTING"] = True
    fresh.add_url_rule(
        "/api/v1/lupa-diatur", endpoint="lupa.diatur", view_func=lambda: {"rahasia": 1}
    )
    admin = login_client(fresh, "demo.admin")
    resp = admin.get("/api/v1/lupa-diatur")
    assert_problem(resp, 403, "belum diatur")
    assert "rahasia" not in resp.get_data(as_text=True)
    assert fresh.test_client().get("/api/v1/lupa-diatur").status_code == 401


def test_the_document_states_its_version_and_every_path_carries_it(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["version"] == "v1"
    assert spec["info"]["title"] == "k3zones"
    assert all(p.startswith("/api/v1/") for p in spec["paths"]), sorted(spec["paths"])
    # Relative or absent servers: the document describes this deployment, not another host.
    for server in spec.get("servers", []):
        assert server["url"].startswith("/"), server
    assert {"bearer": []} in spec["security"]
