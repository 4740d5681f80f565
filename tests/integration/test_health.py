"""Probes a supervisor or load balancer relies on."""

from dataclasses import replace

from sqlalchemy.engine import make_url

from api import create_app
from tests.support.http import assert_problem
from tests.support.services import with_port


def test_healthz_and_readyz_when_everything_is_up(anon, db, redis_client):
    assert anon.get("/healthz").get_json() == {"status": "ok"}
    r = anon.get("/readyz")
    assert r.status_code == 200
    body = r.get_json()
    checks = body["checks"]
    assert checks["database"]["ok"] and "PostgreSQL" in checks["database"]["detail"]
    assert checks["postgis"]["ok"] and "PostGIS" in checks["postgis"]["detail"]
    assert checks["redis"]["ok"] and checks["storage"]["ok"]
    # The worker is reported, never required: none runs here and the API is still ready.
    assert checks["worker"] == {
        "ok": False,
        "detail": "belum ada worker yang melapor",
        "required": False,
        "last_seen_seconds_ago": None,
    }


def test_readyz_is_503_with_the_reason_when_redis_is_down(settings, db):
    # Port 1 of the same host: nothing listens there, whichever port K3_REDIS_PORT chose.
    app = create_app(replace(settings, redis_url=with_port(settings.redis_url, 1)))
    body = assert_problem(app.test_client().get("/readyz"), 503, "Redis tidak dapat dihubungi")
    assert body["checks"]["database"]["ok"] is True
    assert body["down"] == ["redis"] and "(redis)" in body["detail"]
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_down(settings, db):
    # Port 1 of the same host: nothing listens there, whichever port K3_PG_PORT chose.
    app = create_app(replace(settings, database_url=with_port(settings.database_url, 1)))
    resp = app.test_client().get("/readyz")
    assert resp.headers["Retry-After"] == "5"
    body = assert_problem(resp, 503, "basis data tidak dapat dihubungi")
    # PostGIS cannot be asked without its database: both named, the rest up.
    assert body["down"] == ["database", "postgis"]
    assert body["checks"]["redis"]["ok"] and body["checks"]["storage"]["ok"]


def test_readyz_names_the_storage_when_its_folder_is_gone(settings, db, tmp_path):
    folder = tmp_path / "foto"
    app = create_app(replace(settings, storage_dir=str(folder)))
    assert app.test_client().get("/readyz").status_code == 200
    # The volume is gone (unmounted, replaced): photos could not be stored.
    folder.rmdir()
    folder.write_bytes(b"")
    body = assert_problem(app.test_client().get("/readyz"), 503, "folder foto")
    assert body["down"] == ["storage"]


def test_readyz_names_an_unreachable_s3_bucket(settings, db):
    # Nothing listens on port 1: the bucket cannot answer (botocore, not our code, says so).
    app = create_app(
        replace(
            settings,
            storage_backend="s3",
            s3_bucket="k3zones-foto",
            s3_endpoint_url="http://127.0.0.1:1",
            s3_region="us-east-1",
        )
    )
    body = assert_problem(app.test_client().get("/readyz"), 503, "penyimpanan foto")
    assert body["down"] == ["storage"] and body["checks"]["database"]["ok"]


def test_readyz_names_postgis_when_the_database_lacks_it(settings, db):
    # The server's maintenance database, where PostGIS was never installed: PostgreSQL
    # answers, PostGIS does not.
    url = make_url(settings.database_url).set(database="postgres")
    app = create_app(replace(settings, database_url=url.render_as_string(hide_password=False)))
    try:
        body = assert_problem(app.test_client().get("/readyz"), 503, "PostGIS tidak tersedia")
    finally:
        app.extensions["k3"].dispose()
    assert body["down"] == ["postgis"] and body["checks"]["database"]["ok"]
