"""The API's input boundary: a value JSON allows but the API cannot hold (NaN, Infinity,
numbers beyond any column, NUL, lone surrogates, deep nesting) in a body, a query
parameter, a path segment or the Idempotency-Key is a 422 problem+json at its field,
nothing is written, and the server never answers 500."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
from sqlalchemy import text

from api import create_app
from tests.support.http import assert_problem, login_client
from tests.support.payloads import report
from tests.support.services import count


def _post_raw(client, path: str, text: str, **headers: str):
    return client.post(path, data=text, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        ('"count": NaN', "/findings/0/count"),
        ('"count": Infinity', "/findings/0/count"),
        ('"count": 1e400', "/findings/0/count"),
        ('"count": ' + "9" * 5000, "/findings/0/count"),
        ('"count": 1, "notes": "trotoar\\u0000"', "/findings/0/notes"),
        ('"count": 1, "notes": "\\udc00"', "/findings/0/notes"),
    ],
)
def test_a_report_with_a_value_the_api_cannot_hold_is_refused_at_its_field(
    login, engine, raw, pointer
):
    phone = login("demo.petugas")
    body = json.dumps(report(findings=[{"kind": "pkl", "count": 0}]))
    text = body.replace('"count": 0', raw)
    r = _post_raw(phone, "/api/v1/reports", text)
    problem = assert_problem(r, 422)
    assert pointer in {e["pointer"] for e in problem["errors"]}
    assert count(engine, "report") == 0


def test_deep_nesting_is_refused_before_any_rule(login, engine):
    r = _post_raw(login("demo.petugas"), "/api/v1/reports", "[" * 50_000 + "]" * 50_000)
    assert_problem(r, 422, "bersarang")


def test_a_zone_name_with_nul_is_refused_and_nothing_changes(client, sample, engine):
    zones = client.get("/api/v1/zones").get_json()
    zid = zones["features"][0]["id"]
    before = client.get(f"/api/v1/zones/{zid}").get_json()
    r = client.patch(
        f"/api/v1/zones/{zid}",
        data='{"properties": {"name": "Jl. \\u0000 Baru"}}',
        content_type="application/json",
    )
    problem = assert_problem(r, 422, "NUL")
    assert problem["errors"][0]["pointer"] == "/properties/name"
    assert client.get(f"/api/v1/zones/{zid}").get_json() == before


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ("/api/v1/reports?kecamatan=medan%00satria", "/query/kecamatan"),
        ("/api/v1/reports?kelurahan=%00", "/query/kelurahan"),
        ("/api/v1/audit?action=up%00date", "/query/action"),
        (f"/api/v1/photos/{uuid.uuid4()}/orig%00inal", "/path/variant"),
    ],
)
def test_nul_in_a_query_or_path_is_a_422_not_a_500(client, sample, path, pointer):
    problem = assert_problem(client.get(path), 422)
    assert pointer in {e["pointer"] for e in problem["errors"]}


def test_nul_in_the_idempotency_key_is_refused(login, engine):
    phone = login("demo.petugas")
    r = phone.post("/api/v1/reports", json=report(), headers={"Idempotency-Key": "k\x00"})
    assert_problem(r, 422)
    assert count(engine, "report") == 0


@pytest.mark.timeout(30)  # the degenerate line once ran past gunicorn's 30 s inside the insert
def test_a_line_back_and_forth_is_refused_before_the_database_and_nothing_is_written(
    client, sample, engine
):
    decree = client.get("/api/v1/decrees").get_json()[0]["id"]
    a, b = [106.9790, -6.2072], [106.9800, -6.2072]
    feature = {
        "type": "Feature",
        "properties": {"name": "Ruas bolak-balik", "kategori": "kuning", "decree_id": decree},
        "geometry": {"type": "LineString", "coordinates": [a if i % 2 else b for i in range(1000)]},
    }
    zones_before = count(engine, "zone")
    r = client.post("/api/v1/zones", json=feature)
    problem = assert_problem(r, 422, "menumpuk")
    assert problem["errors"][0]["pointer"] == "/geometry/coordinates"
    assert count(engine, "zone") == zones_before


def test_a_statement_over_its_time_limit_is_a_503_with_retry_after(settings, sample, engine):
    """No request holds a web worker without end: a statement waiting past the limit is
    cancelled by PostgreSQL and the phone is told to try again."""
    app = create_app(dataclasses.replace(settings, statement_timeout_ms=300))
    client = login_client(app, "demo.admin")
    with engine.connect() as c, c.begin():
        c.execute(text("LOCK TABLE zone IN ACCESS EXCLUSIVE MODE"))  # a long migration, say
        r = client.get("/api/v1/zones")
    problem = assert_problem(r, 503, "Coba kirim lagi")
    assert r.headers["Retry-After"] == "30"
    assert "Traceback" not in str(problem) and "canceling" not in str(problem)
    assert client.get("/api/v1/zones").status_code == 200  # and then it works again
