"""OGC API - Features at /ogc through the Flask test client: the documents, the collections,
paging, filters, strict parameters, the staff collections' sign-in and kecamatan scope.
(GDAL and OWSLib read the live server in tests/e2e/test_ogc_clients.py.)"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from k3zones.models import Zone
from k3zones.ogc import CONFORMANCE, LIMIT_MAX
from tests.support.complaints import complaint_input, new_complaint
from tests.support.http import PROBLEM, demo_password, login_client
from tests.support.world import OTHER, OWN, make_world

ITEMS = "/ogc/collections/zones/items"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
HOSTILE = ["\x00", "a\x00b", "<script>x</script>", "=1+1", "NaN", "-Infinity", "1e999", "..", "/"]


def _basic(username: str, password: str | None = None) -> dict[str, str]:
    raw = f"{username}:{password or demo_password(username)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _exception(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == PROBLEM
    body = resp.get_json()
    assert body["code"] and body["description"], body
    return dict(body)


def _rel(body: dict[str, Any], rel: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == rel), None)


def _path(href: str) -> str:
    return href.split("localhost", 1)[1]


def test_landing_conformance_and_openapi(anon, sample):  # type: ignore[no-untyped-def]
    for base in ("/ogc/", "/ogc/kecamatan/medansatria/"):
        body = anon.get(base).get_json()
        rels = {link["rel"] for link in body["links"]}
        assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= rels
        conf = anon.get(_path(_rel(body, "conformance") or "")).get_json()
        assert set(conf["conformsTo"]) == set(CONFORMANCE)
        assert {CORE + c for c in ("core", "geojson", "html", "oas30")} == set(CONFORMANCE)
        api = anon.get(_path(_rel(body, "service-desc") or ""))
        assert api.status_code == 200 and api.mimetype == "application/vnd.oai.openapi+json"
        doc = api.get_json()
        assert doc["openapi"].startswith("3.0")
        assert "/collections/zones/items" in doc["paths"]
        assert doc["servers"][0]["url"].endswith(base.rstrip("/"))
    assert "Kecamatan Medansatria" in anon.get("/ogc/kecamatan/medansatria/").get_json()["title"]
    assert anon.get("/ogc/kecamatan/tidakada/").status_code == 404


def test_html_by_f_and_by_accept(anon, sample):  # type: ignore[no-untyped-def]
    for url in ("/ogc/?f=html", "/ogc/collections?f=html", ITEMS + "?f=html"):
        r = anon.get(url)
        assert r.status_code == 200 and r.mimetype == "text/html", url
    r = anon.get("/ogc/collections", headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert r.mimetype == "text/html" and "Zona K3" in r.get_data(as_text=True)
    r = anon.get(ITEMS, headers={"Accept": "application/geo+json"})
    assert r.mimetype == "application/geo+json"
    assert anon.get("/ogc/collections").mimetype == "application/json"
    _exception(anon.get("/ogc/?f=xml"), 400)


def test_anonymous_collections_are_the_public_ones(anon, sample):  # type: ignore[no-untyped-def]
    body = anon.get("/ogc/collections").get_json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == ["zones", "kelurahan", "complaints-public"]
    zones = body["collections"][0]
    assert zones["itemType"] == "feature"
    assert zones["extent"]["spatial"]["crs"].endswith("CRS84")
    x0, y0, x1, y1 = zones["extent"]["spatial"]["bbox"][0]
    assert x0 < 106.97 < 107.0 < x1 and y0 < -6.2 < -6.16 < y1
    assert {link["rel"] for link in zones["links"]} >= {"self", "alternate", "items"}


def test_zones_paging_numbers_and_links(anon, sample_2024):  # type: ignore[no-untyped-def]
    r = anon.get(ITEMS)
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    # Medansatria's 10 zones and Bekasi Utara's 4 (the sample's neighbour).
    assert body["numberMatched"] == 14 and body["numberReturned"] == 10  # LIMIT_DEFAULT
    assert body["timeStamp"].endswith("Z") and _rel(body, "next") is not None
    seen: list[str] = []
    url: str | None = ITEMS + "?limit=3"
    pages = 0
    while url:
        page = anon.get(url).get_json()
        assert page["numberMatched"] == 14 and page["numberReturned"] == len(page["features"])
        seen += [f["id"] for f in page["features"]]
        if pages:
            assert _rel(page, "prev") is not None
        nxt = _rel(page, "next")
        url = _path(nxt) if nxt else None
        pages += 1
    assert pages == 5 and len(seen) == len(set(seen)) == 14
    one = body["features"][0]
    props = one["properties"]
    assert {"kategori", "decree_nomor", "decree_tanggal", "status", "status_kategori"} <= set(props)
    # Medansatria's decree or Bekasi Utara's (the sample's two).
    assert props["decree_nomor"] in ("300/Kep.15-Kc.Ms.Tib/I/2024", "300/Kep.01-Kc.BU.Tib/I/2024")
    item = anon.get(f"{ITEMS}/{one['id']}")
    assert item.status_code == 200 and item.mimetype == "application/geo+json"
    assert item.get_json()["properties"] == props
    assert {link["rel"] for link in item.get_json()["links"]} >= {"self", "collection"}
    _exception(anon.get(f"{ITEMS}/{uuid.uuid4()}"), 404)
    _exception(anon.get(f"{ITEMS}/bukan-uuid"), 404)


def test_zone_filters_bbox_and_status(anon, sample_2024):  # type: ignore[no-untyped-def]
    def matched(query: str, base: str = ITEMS) -> int:
        r = anon.get(f"{base}?{query}")
        assert r.status_code == 200, r.get_json()
        return int(r.get_json()["numberMatched"])

    assert matched("kategori=merah") == 3 + 2  # Medansatria's and Bekasi Utara's
    # The sample's 2024 verifications ended with triwulan I of 2025 (the default rule):
    # its 3 verified zones are what their reports say until verified again.
    assert matched("status=tertib") == 0
    assert matched("status=dalam_penertiban") == 3
    assert matched("status=belum_tertib") == 7 + 4
    assert matched("kelurahan=pejuang") == 2
    # Kelurahan Pejuang's box: Jl. Alexindo and zona kuning 5.
    assert matched("bbox=106.979,-6.185,107.005,-6.155") == 2
    assert matched("bbox=106.979,-6.185,0,107.005,-6.155,10") == 2  # with heights
    # Crossing the antimeridian (min lon > max lon): everything but 100..106.9.
    assert matched("bbox=106.9,-90,100,90") == 14
    assert matched("bbox=100,-90,106.9,90") == 0
    assert matched("kecamatan=medansatria") == 10
    assert matched("", "/ogc/kecamatan/medansatria/collections/zones/items") == 10


def test_kelurahan_collection_covers_the_zones(anon, sample, engine):  # type: ignore[no-untyped-def]
    body = anon.get("/ogc/collections/kelurahan/items").get_json()
    assert body["numberMatched"] == 4 + 6  # Medansatria's and Bekasi Utara's
    for f in body["features"]:
        assert f["geometry"]["type"] == "MultiPolygon"
        assert f["properties"]["boundary_approximate"] is True
        assert f["properties"]["boundary_source"] == "perkiraan DATA CONTOH"
    with engine.connect() as c:
        uncovered = c.execute(
            text(
                "SELECT z.name FROM zone z JOIN kelurahan k ON k.id = z.kelurahan_id "
                "WHERE NOT ST_Covers(k.boundary, z.geom)"
            )
        ).all()
    assert uncovered == []
    one = anon.get("/ogc/collections/kelurahan/items?slug=pejuang").get_json()
    assert [f["properties"]["name"] for f in one["features"]] == ["Pejuang"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        f"limit={LIMIT_MAX + 1}",
        "limit=-1",
        "limit=1e3",
        "limit=" + "9" * 40,
        "offset=-1",
        "offset=" + "9" * 40,
        "bbox=NaN,1,2,3",
        "bbox=nan,nan,nan,nan",
        "bbox=inf,-6,107,-6.1",
        "bbox=1,2,3",
        "bbox=1,2,3,4,5",
        "bbox=106,-6.1,107,-6.2",  # latitudes reversed
        "bbox=181,-6,182,-5",
        "bbox=1e308,1,2,3",
        "bbox=" + "1" * 400 + ",1,2,3",
        "datetime=2024-01-01",  # zones have no time
        "kategori=ungu",
        "status=tertib'--",
        "kelurahan=Pe%20juang",
        "unknown=1",
        "limit=1&limit=2",
        "f=xml",
        "kategori=%00",
        "bbox=1%002,3,4,5",
        "k%00=1",
        "kategori=%ED%A0%80",
        "datetime=2024-13-01",
    ],
)
def test_bad_parameters_are_400_ogc_exceptions(anon, sample, query):  # type: ignore[no-untyped-def]
    body = _exception(anon.get(f"{ITEMS}?{query}"), 400)
    assert body["code"] == "InvalidParameterValue"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["bbox", "limit", "offset", "datetime", "kategori", "kelurahan", "f"]),
    value=st.one_of(
        st.text(max_size=30),
        st.sampled_from(HOSTILE),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.lists(st.floats(allow_nan=True), min_size=3, max_size=7).map(
            lambda xs: ",".join(map(str, xs))
        ),
    ),
)
def test_hostile_parameters_never_500(anon, sample, name, value):  # type: ignore[no-untyped-def]
    r = anon.get(ITEMS, query_string={name: value})
    assert r.status_code in (200, 400), (name, value, r.status_code, r.get_data()[:200])
    if r.status_code == 400:
        assert r.get_json()["code"] == "InvalidParameterValue"


def test_staff_collections_refuse_anonymous_and_petugas(anon, sample, login):  # type: ignore[no-untyped-def]
    for url in (
        "/ogc/collections/reports",
        "/ogc/collections/reports/items",
        f"/ogc/collections/reports/items/{uuid.uuid4()}",
        "/ogc/collections/zone-status-history/items",
        "/ogc/kecamatan/medansatria/collections/reports/items",
    ):
        r = anon.get(url)
        _exception(r, 401)
        challenge = r.headers["WWW-Authenticate"]
        assert "Basic" in challenge and "Bearer" in challenge
        _exception(login("demo.petugas").get(url), 403)
        _exception(anon.get(url, headers=_basic("demo.petugas")), 403)
    _exception(anon.get("/ogc/collections/reports/items", headers=_basic("demo.trantib", "x")), 401)
    _exception(anon.get(ITEMS, headers={"Authorization": "Bearer rusak"}), 401)


def test_reports_for_staff_with_officer_only_for_reviewers(anon, sample_2024, login):  # type: ignore[no-untyped-def]
    url = "/ogc/collections/reports/items?limit=100"
    trantib = anon.get(url, headers=_basic("demo.trantib"))
    assert trantib.status_code == 200 and "no-store" in trantib.headers["Cache-Control"]
    body = trantib.get_json()
    assert body["numberMatched"] == 18  # 3 zones x (1 penertiban + 5 patrols)
    assert all(f["properties"]["officer"] == "demo.petugas" for f in body["features"])
    for who in ("demo.pimpinan", "demo.kota"):
        got = login(who).get(url).get_json()
        assert got["numberMatched"] == 18
        text_ = str(got)
        assert "officer" not in text_ and "demo.petugas" not in text_, who
    march = anon.get(
        "/ogc/collections/reports/items?datetime=2024-03-01/2024-03-31",
        headers=_basic("demo.trantib"),
    ).get_json()
    assert march["numberMatched"] == 6
    assert (
        anon.get(
            "/ogc/collections/reports/items?datetime=../2024-01-31", headers=_basic("demo.trantib")
        ).get_json()["numberMatched"]
        == 0
    )
    _exception(
        anon.get(
            "/ogc/collections/reports/items?datetime=2024-04-01/2024-03-01",
            headers=_basic("demo.trantib"),
        ),
        400,
    )
    one = body["features"][0]
    got = anon.get(f"/ogc/collections/reports/items/{one['id']}", headers=_basic("demo.admin"))
    assert got.status_code == 200 and got.get_json()["id"] == one["id"]
    # Signed-in staff see the staff collections listed (with a time extent).
    cols = login("demo.trantib").get("/ogc/collections").get_json()["collections"]
    assert [c["id"] for c in cols] == [
        "zones",
        "kelurahan",
        "complaints-public",
        "reports",
        "zone-status-history",
    ]
    reports = next(c for c in cols if c["id"] == "reports")
    assert reports["extent"]["temporal"]["interval"][0][0].startswith("2024-03")


def test_status_history_actor_only_for_reviewers(anon, sample_2024, login):  # type: ignore[no-untyped-def]
    url = "/ogc/collections/zone-status-history/items?to_status=tertib&kind=verify"
    body = login("demo.trantib").get(url).get_json()
    assert body["numberMatched"] == 3
    assert {f["properties"]["actor"] for f in body["features"]} == {"demo.trantib"}
    for who in ("demo.pimpinan", "demo.kota"):
        got = login(who).get(url).get_json()
        assert got["numberMatched"] == 3 and "demo.trantib" not in str(got)


def test_staff_collections_keep_the_kecamatan_scope(app, anon, sample_2024, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    theirs = w.report(OTHER, author=w.officer(OTHER), photos=0)
    ours = login("demo.trantib")
    kota = login("demo.kota")
    # The kota view for a kecamatan user: only their own kecamatan's reports.
    mine = ours.get("/ogc/collections/reports/items?limit=100").get_json()
    assert mine["numberMatched"] == 18
    assert theirs not in {f["id"] for f in mine["features"]}
    assert ours.get(f"/ogc/collections/reports/items/{theirs}").status_code == 404
    # Another kecamatan named in the path: not even confirmed to exist.
    for url in (
        f"/ogc/kecamatan/{OTHER}/collections/reports/items",
        f"/ogc/kecamatan/{OTHER}/collections/zone-status-history/items",
        f"/ogc/kecamatan/{OTHER}/collections/reports",
    ):
        _exception(ours.get(url), 404)
    _exception(
        anon.get(f"/ogc/kecamatan/{OTHER}/collections/reports/items", headers=_basic("demo.admin")),
        404,
    )
    # Their staff see theirs; the kota reader sees both.
    other_trantib = anon.get(
        f"/ogc/kecamatan/{OTHER}/collections/reports/items",
        headers=_basic(w.reviewer(OTHER), demo_password("x")),
    ).get_json()
    assert [f["id"] for f in other_trantib["features"]] == [theirs]
    assert kota.get("/ogc/collections/reports/items").get_json()["numberMatched"] == 19
    assert (
        kota.get(f"/ogc/kecamatan/{OWN}/collections/reports/items").get_json()["numberMatched"]
        == 18
    )
    # Public collections are open data for every kecamatan.
    assert anon.get(f"/ogc/kecamatan/{OTHER}/collections/kelurahan/items").status_code == 200


def test_public_answers_are_cacheable_with_etag(anon, sample):  # type: ignore[no-untyped-def]
    r = anon.get(ITEMS)
    assert r.headers["Cache-Control"].startswith("public") and r.headers.get("ETag")
    again = anon.get(ITEMS, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_retired_zones_are_not_published(anon, sample, uow):  # type: ignore[no-untyped-def]
    with uow() as s, s.begin():
        z = s.scalar(select(Zone).where(Zone.name == "Jl. Alexindo"))
        assert z is not None
        zid = z.id
    assert anon.get(f"{ITEMS}/{zid}").status_code == 200
    client = login_client(anon.application, "demo.admin")
    r = client.post(f"/api/v1/zones/{zid}/retire", json={"reason": "Uji pensiun"})
    assert r.status_code == 200, r.get_json()
    assert anon.get(ITEMS).get_json()["numberMatched"] == 13
    _exception(anon.get(f"{ITEMS}/{zid}"), 404)


def test_failed_basic_sign_ins_share_the_login_limit(anon, sample, settings):  # type: ignore[no-untyped-def]
    url = "/ogc/collections/reports/items"
    limit = int(settings.login_limit_per_user.split()[0])
    for _ in range(limit + 3):  # QGIS sends the password on every request
        assert anon.get(url, headers=_basic("demo.trantib")).status_code == 200
    for _ in range(limit):
        _exception(anon.get(url, headers=_basic("demo.admin", "salah-12345")), 401)
    r = anon.get(url, headers=_basic("demo.admin"))
    body = _exception(r, 429)
    assert int(r.headers["Retry-After"]) > 0 and "Coba lagi" in body["description"]
    # The same counters as the API's login: the account is held there too.
    r = anon.post(
        "/api/v1/auth/login",
        json={"username": "demo.admin", "password": demo_password("demo.admin")},
    )
    assert r.status_code == 429


def test_public_complaints_without_reporter_and_with_a_rounded_place(app, anon, sample):  # type: ignore[no-untyped-def]
    """Open data about complaints: category, state, dates and the place to about 100 m; no
    name, phone, e-mail or text of the citizen, and a bbox cannot find the exact spot."""
    cid = new_complaint(app, "medansatria")
    exact = complaint_input("medansatria")
    url = "/ogc/kecamatan/medansatria/collections/complaints-public/items"
    body = anon.get(url).get_json()
    [f] = [f for f in body["features"] if f["id"] == cid]
    assert f["properties"]["category"] == "pkl" and f["properties"]["state"] == "baru"
    assert f["properties"]["received_at"] and f["properties"]["closed_at"] is None
    lon, lat = f["geometry"]["coordinates"]
    assert (round(lon, 3), round(lat, 3)) == (lon, lat)
    assert abs(lon - exact.lon) <= 0.0005 and abs(lat - exact.lat) <= 0.0005
    raw = anon.get(url).get_data(as_text=True)
    for private in (exact.name, exact.phone, exact.email, exact.description):
        assert private not in raw
    # A box around the exact spot that leaves out the rounded one finds nothing.
    inside = exact.lon != lon or exact.lat != lat
    if inside:
        d = 0.00005
        box = f"{exact.lon - d},{exact.lat - d},{exact.lon + d},{exact.lat + d}"
        found = anon.get(f"{url}?bbox={box}").get_json()["features"]
        assert cid not in [g["id"] for g in found]
    assert anon.get(f"{url}?state=selesai").get_json()["numberMatched"] == 0
