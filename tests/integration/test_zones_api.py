"""Zones over HTTP against real PostGIS: what the map and QGIS users see."""

from __future__ import annotations

from shapely.geometry import box, shape
from sqlalchemy import text

from api.schemas.zones import ZoneCollectionSchema
from tests.support.http import assert_problem
from tests.support.payloads import feature, line
from tests.support.services import count

MEDANSATRIA = box(106.97, -6.21, 107.00, -6.16)


def decree_id(client) -> str:
    return client.get("/api/v1/decrees?kecamatan=medansatria").get_json()[0]["id"]


def test_sample_zones_are_valid_geojson_inside_medansatria(client, sample):
    resp = client.get("/api/v1/zones")
    assert resp.status_code == 200
    assert resp.mimetype == "application/geo+json"
    fc = resp.get_json()
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    assert len(fc["features"]) == 10
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.is_valid and MEDANSATRIA.contains(g), f["properties"]["name"]
        assert f["properties"]["is_sample"] is True
        assert "DATA CONTOH" in f["properties"]["notes"]
    merah = sorted(
        f["properties"]["name"] for f in fc["features"] if f["properties"]["kategori"] == "merah"
    )
    assert merah == ["Jl. Alexindo", "Jl. Jenderal Sudirman", "Jl. Sultan Agung"]
    kuning = [f for f in fc["features"] if f["properties"]["kategori"] == "kuning"]
    assert len(kuning) == 7 and all("Contoh" in f["properties"]["name"] for f in kuning)


def test_filters_kategori_kelurahan_decree_bbox(client, sample):
    def names(qs):
        resp = client.get("/api/v1/zones?" + qs)
        assert resp.status_code == 200, resp.get_json()
        return {f["properties"]["name"] for f in resp.get_json()["features"]}

    assert len(names("kategori=merah")) == 3
    assert len(names("kategori=kuning")) == 7
    assert names("kelurahan=pejuang") == {"Jl. Alexindo", "Contoh Zona Kuning 5 (Pejuang)"}
    assert len(names(f"decree={decree_id(client)}")) == 10
    # A box around the northern part only: Alexindo and the Kalibaru/Pejuang samples.
    north = names("bbox=106.96,-6.18,107.01,-6.15")
    assert "Jl. Alexindo" in north and "Jl. Sultan Agung" not in north
    assert names("kecamatan=medansatria&kategori=merah&kelurahan=harapanmulya") == {
        "Jl. Jenderal Sudirman"
    }


def test_bad_filters_are_422_not_500(client, sample):
    assert_problem(client.get("/api/v1/zones?bbox=1,2,3"), 422, "4 angka")
    assert_problem(client.get("/api/v1/zones?bbox=107,-6,106,-7"), 422, "min < maks")
    assert_problem(client.get("/api/v1/zones?kategori=hijau"), 422, "merah, kuning")
    assert_problem(client.get("/api/v1/zones?decree=not-a-uuid"), 422, "UUID")
    assert_problem(client.get("/api/v1/zones?kecamatan=atlantis"), 404, "atlantis")


def test_create_point_zone_gets_default_radius_and_a_monitoring_area(client, sample, engine):
    body = feature(
        {"type": "Point", "coordinates": [106.985, -6.19]},
        decree_id=decree_id(client),
        name="Pasar Contoh",
        kategori="kuning",
        kelurahan="Kel. Harapan Mulya",
    )
    resp = client.post("/api/v1/zones", json=body)
    assert resp.status_code == 201, resp.get_json()
    f = resp.get_json()
    assert resp.headers["Location"].endswith(f["id"])
    assert f["properties"]["radius_m"] == 100
    assert f["properties"]["kelurahan"] == "harapanmulya"
    assert client.get(resp.headers["Location"]).get_json()["properties"]["name"] == "Pasar Contoh"
    # The monitoring area is the point grown by 100 m on the ground: 90 m away is in,
    # 110 m away is out, in any direction.
    with engine.connect() as c:
        for bearing in (0, 1.5, 3.1, 4.7):
            inside, outside = c.execute(
                text(
                    "SELECT ST_Contains(monitoring_area,"
                    "                   ST_Project(geom::geography, 90, :b)::geometry),"
                    "       ST_Contains(monitoring_area,"
                    "                   ST_Project(geom::geography, 110, :b)::geometry)"
                    " FROM zone WHERE id = :id"
                ),
                {"b": bearing, "id": f["id"]},
            ).one()
            assert inside and not outside
    area = client.get(f"/api/v1/zones/{f['id']}/monitoring-area").get_json()
    assert shape(area["geometry"]).geom_type == "Polygon"


def test_line_zone_radius_is_metres_along_the_road(client, sample, engine):
    body = feature(
        line((106.975, -6.185), (106.985, -6.185)),
        decree_id=decree_id(client),
        name="Jl. Contoh Garis",
        kategori="merah",
        radius_m=30,
    )
    f = client.post("/api/v1/zones", json=body).get_json()
    with engine.connect() as c:
        ok = c.execute(
            text(
                "SELECT ST_DWithin(monitoring_area::geography,"
                " ST_SetSRID(ST_MakePoint(106.98, -6.185), 4326)::geography, 0)"
                " AND NOT ST_Intersects(monitoring_area, ST_Project(ST_SetSRID("
                "   ST_MakePoint(106.98, -6.185), 4326)::geography, 35, 0)::geometry)"
                " FROM zone WHERE id = :id"
            ),
            {"id": f["id"]},
        ).scalar_one()
    assert ok


def test_bad_geometries_are_explained_and_nothing_is_written(client, sample, engine):
    did = decree_id(client)
    before = count(engine, "zone")
    cases = [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [106.975, -6.20],
                        [106.985, -6.19],
                        [106.985, -6.20],
                        [106.975, -6.19],
                        [106.975, -6.20],
                    ]
                ],
            },
            ["berpotongan", "106.98", "-6.195"],
        ),
        ({"type": "Point", "coordinates": [-6.19, 106.98]}, ["tertukar", "[106.98, -6.19]"]),
        ({"type": "Point", "coordinates": [181, -6.19]}, ["Bujur 181"]),
        ({"type": "Point", "coordinates": [106.98, 91]}, ["Lintang 91"]),
        ({"type": "Point", "coordinates": []}, ["kosong"]),
        ({"type": "Circle", "coordinates": [106.98, -6.19]}, ["tidak dikenal"]),
        (
            {"type": "Point", "coordinates": [110.42, -6.99]},
            ["di luar wilayah Kecamatan Medansatria"],
        ),
        (None, ["Geometri wajib"]),
    ]
    for geom, words in cases:
        resp = client.post(
            "/api/v1/zones", json=feature(geom, decree_id=did, name="X", kategori="merah")
        )
        body = assert_problem(resp, 422, *words)
        assert body["errors"][0]["pointer"].startswith("/geometry")
    assert count(engine, "zone") == before


def test_bad_properties_are_explained(client, sample, engine):
    did = decree_id(client)
    pt = {"type": "Point", "coordinates": [106.98, -6.19]}
    assert_problem(
        client.post("/api/v1/zones", json=feature(pt, name="X", kategori="merah")), 422, "decree_id"
    )
    assert_problem(
        client.post("/api/v1/zones", json=feature(pt, decree_id=did, kategori="merah")),
        422,
        "Nama zona wajib",
    )
    body = assert_problem(
        client.post(
            "/api/v1/zones",
            json=feature(pt, decree_id=did, name="X", kategori="hijau", kelurahan="Bojong"),
        ),
        422,
        "'merah' atau 'kuning'",
        "Harapanmulya, Kalibaru, Medansatria, Pejuang",
    )
    assert {e["pointer"] for e in body["errors"]} == {
        "/properties/kategori",
        "/properties/kelurahan",
    }
    assert_problem(client.post("/api/v1/zones", json={"type": "FeatureCollection"}), 422, "Feature")
    assert_problem(
        client.post(
            "/api/v1/zones",
            json=feature(pt, decree_id=did, name="Jl. Sultan Agung", kategori="merah"),
        ),
        409,
        "sudah ada",
    )
    assert count(engine, "zone") == 10 + 4  # + Bekasi Utara's 4 sample zones


def test_invalid_json_wrong_type_and_oversized_bodies(client, sample, app, engine):
    assert_problem(
        client.post("/api/v1/zones", data='{"type": "Feature",', content_type="application/json"),
        400,
        "JSON tidak valid",
    )
    assert_problem(
        client.post(
            "/api/v1/zones", data="type=Feature", content_type="application/x-www-form-urlencoded"
        ),
        415,
        "JSON",
    )
    big = '{"type": "Feature", "properties": {"notes": "' + "x" * (3 * 1024 * 1024) + '"}}'
    body = assert_problem(
        client.post("/api/v1/zones", data=big, content_type="application/json"), 413
    )
    assert "MB" in body["detail"]
    assert count(engine, "zone") == 10 + 4  # + Bekasi Utara's 4 sample zones


def test_update_retire_and_delete(client, sample, engine):
    fc = client.get("/api/v1/zones?kategori=kuning").get_json()
    zid = fc["features"][0]["id"]
    resp = client.patch(
        f"/api/v1/zones/{zid}",
        json={
            "type": "Feature",
            "properties": {"name": "Jl. Baru", "radius_m": 60},
            "geometry": line((106.976, -6.19), (106.979, -6.19)),
        },
    )
    assert resp.status_code == 200, resp.get_json()
    f = resp.get_json()
    assert f["properties"]["name"] == "Jl. Baru" and f["properties"]["radius_m"] == 60
    assert f["geometry"]["type"] == "LineString"
    # A PATCH without geometry keeps it.
    f2 = client.patch(
        f"/api/v1/zones/{zid}", json={"type": "Feature", "properties": {"kelurahan": None}}
    ).get_json()
    assert f2["geometry"] == f["geometry"] and f2["properties"]["kelurahan"] is None
    assert_problem(
        client.patch(
            f"/api/v1/zones/{zid}",
            json={"type": "Feature", "properties": {"name": "Jl. Sultan Agung"}},
        ),
        409,
        "sudah ada",
    )
    assert_problem(
        client.patch(
            f"/api/v1/zones/{zid}", json={"type": "Feature", "properties": {"decree_id": zid}}
        ),
        422,
        "tidak dapat dipindah",
    )

    assert_problem(client.post(f"/api/v1/zones/{zid}/retire", json={}), 422, "Wajib")
    r = client.post(f"/api/v1/zones/{zid}/retire", json={"reason": "Jalan ditutup permanen"})
    assert r.status_code == 200 and r.get_json()["properties"]["active"] is False
    assert len(client.get("/api/v1/zones").get_json()["features"]) == 9
    assert len(client.get("/api/v1/zones?include_retired=true").get_json()["features"]) == 10
    assert_problem(client.post(f"/api/v1/zones/{zid}/retire", json={"reason": "lagi"}), 409)
    assert_problem(
        client.patch(f"/api/v1/zones/{zid}", json={"type": "Feature", "properties": {"name": "Z"}}),
        409,
        "dipensiunkan",
    )

    other = fc["features"][1]["id"]
    assert client.delete(f"/api/v1/zones/{other}").status_code == 204
    assert_problem(client.get(f"/api/v1/zones/{other}"), 404, "Zona tidak ditemukan")
    assert count(engine, "zone") == 9 + 4


def test_unknown_ids_are_404_problems(client, sample):
    assert_problem(client.get("/api/v1/zones/5b0f4c0e-0000-4000-8000-000000000000"), 404)
    assert_problem(client.get("/api/v1/zones/not-a-uuid"), 404)
    assert_problem(client.delete("/api/v1/zones"), 405, "DELETE")


def test_zones_of_a_revoked_decree_cannot_be_added(client, sample):
    did = decree_id(client)
    r = client.patch(
        f"/api/v1/decrees/{did}", json={"status": "dicabut", "revoked_on": "2025-01-02"}
    )
    assert r.status_code == 200, r.get_json()
    assert_problem(
        client.post(
            "/api/v1/zones",
            json=feature(
                {"type": "Point", "coordinates": [106.98, -6.19]},
                decree_id=did,
                name="Baru",
                kategori="merah",
            ),
        ),
        409,
        "dicabut",
    )


def test_the_zone_list_is_what_its_schema_describes(client, sample):
    """The list is sent as collection() builds it, without a dump through its schema: it
    must already be that dump, for retired zones, hostile text and every kind of geometry."""
    did = decree_id(client)
    hostile = '<img src=x onerror=alert(1)> =HYPERLINK("x") \u202e\t"kutip"\\ 😀'
    made = client.post(
        "/api/v1/zones",
        json=feature(
            line((106.976, -6.195), (106.979, -6.195)),
            decree_id=did,
            name=hostile,
            kategori="kuning",
            notes=hostile,
            radius_m=35,
        ),
    )
    assert made.status_code == 201, made.get_json()
    zid = made.get_json()["id"]
    assert client.post(f"/api/v1/zones/{zid}/retire", json={"reason": hostile}).status_code == 200
    for query in ("", "?include_retired=true", "?kategori=merah", "?bbox=106.97,-6.21,107,-6.16"):
        resp = client.get(f"/api/v1/zones{query}")
        assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
        body = resp.get_json()
        assert ZoneCollectionSchema().dump(body) == body, query
    retired = next(
        f
        for f in client.get("/api/v1/zones?include_retired=true").get_json()["features"]
        if f["id"] == zid
    )
    # The name as stored (whitespace folded), the markup and formula as text.
    assert (
        "<img src=x" in retired["properties"]["name"]
        and "=HYPERLINK" in retired["properties"]["name"]
    )
    assert retired["properties"]["retired_at"] and retired["properties"]["active"] is False
