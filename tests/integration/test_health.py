"""Probes a supervisor or load balancer relies on."""

from dataclasses import replace

from api import create_app
from tests.support.http import assert_problem
from tests.support.services import with_port


def test_healthz_and_readyz_when_everything_is_up(anon, db, redis_client):
    assert anon.get("/healthz").get_json() == {"status": "ok"}
    r = anon.get("/readyz")
    assert r.status_code == 200
    body = r.get_json()
    assert body["checks"]["database"]["ok"] and "PostGIS" in body["checks"]["database"]["detail"]
    assert body["checks"]["redis"]["ok"]


def test_readyz_is_503_with_the_reason_when_redis_is_down(settings, db):
    # Port 1 of the same host: nothing listens there, whichever port K3_REDIS_PORT chose.
    app = create_app(replace(settings, redis_url=with_port(settings.redis_url, 1)))
    body = assert_problem(app.test_client().get("/readyz"), 503, "Redis tidak dapat dihubungi")
    assert body["checks"]["database"]["ok"] is True
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_down(settings, db):
    # Port 1 of the same host: nothing listens there, whichever port K3_PG_PORT chose.
    app = create_app(replace(settings, database_url=with_port(settings.database_url, 1)))
    resp = app.test_client().get("/readyz")
    assert resp.headers["Retry-After"] == "5"
    assert_problem(resp, 503, "basis data tidak dapat dihubungi")


def test_docs_and_openapi_are_served_locally(anon):
    spec = anon.get("/api/v1/openapi.json").get_json()
    assert (
        "/api/v1/zones" in spec["paths"]
        and "/api/v1/decrees/{decree_id}/zones/import" in spec["paths"]
    )
    page = anon.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in page and "//cdn" not in page
    js = anon.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.data) > 100_000
