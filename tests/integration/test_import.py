"""All-or-nothing import of a QGIS FeatureCollection into a decree."""

from __future__ import annotations

import json

from tests.support.http import assert_problem
from tests.support.payloads import feature, line
from tests.support.services import count

CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


def new_decree(client) -> str:
    r = client.post(
        "/api/v1/decrees",
        json={
            "kecamatan": "medansatria",
            "nomor": "300/Kep.99-Kc.Ms.Tib/II/2025",
            "tanggal": "2025-02-03",
            "perihal": "Perubahan titik pantau K3",
        },
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def qgis_collection(*features):
    # What QGIS "Export > Save Features As > GeoJSON" writes: name, crs, Multi* geometries.
    return {
        "type": "FeatureCollection",
        "name": "titik_pantau",
        "crs": CRS84,
        "features": list(features),
    }


def good_features():
    return [
        {
            "type": "Feature",
            "properties": {
                "fid": 1,
                "nama": "Jl. Raya Contoh",
                "kategori": "Zona Merah",
                "kelurahan": "Kalibaru",
            },
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[106.972, -6.175], [106.978, -6.176]]],
            },
        },
        {
            "type": "Feature",
            "properties": {
                "fid": 2,
                "nama": "Taman Contoh",
                "kategori": "kuning",
                "kelurahan": "pejuang",
                "radius": 10,
            },
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [
                        [
                            [106.990, -6.170],
                            [106.992, -6.170],
                            [106.992, -6.172],
                            [106.990, -6.172],
                            [106.990, -6.170],
                        ]
                    ]
                ],
            },
        },
        feature(
            {"type": "Point", "coordinates": [106.985, -6.182, 21.0]},
            nama="Simpang Contoh",
            kategori="kuning",
            tahun_target=2026,
        ),
    ]


def post(client, did, body):
    return client.post(
        f"/api/v1/decrees/{did}/zones/import",
        data=json.dumps(body),
        content_type="application/geo+json",
    )


def test_import_of_a_qgis_export(client, sample, engine):
    did = new_decree(client)
    resp = post(client, did, qgis_collection(*good_features()))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["imported"] == 3
    got = {f["properties"]["name"]: f for f in body["zones"]["features"]}
    assert got["Jl. Raya Contoh"]["geometry"]["type"] == "LineString"
    assert got["Jl. Raya Contoh"]["properties"]["kategori"] == "merah"
    assert got["Taman Contoh"]["geometry"]["type"] == "Polygon"
    assert got["Taman Contoh"]["properties"]["radius_m"] == 10
    assert got["Simpang Contoh"]["geometry"]["coordinates"] == [106.985, -6.182]
    assert got["Simpang Contoh"]["properties"]["target_year"] == 2026
    assert len(client.get(f"/api/v1/zones?decree={did}").get_json()["features"]) == 3
    assert count(engine, "zone") == 13 + 4  # + Bekasi Utara's 4 sample zones


def test_one_bad_feature_imports_none_and_names_its_index(client, sample, engine):
    did = new_decree(client)
    feats = good_features()
    feats.insert(
        2,
        feature(
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
            nama="Poligon Kusut",
            kategori="merah",
        ),
    )
    body = assert_problem(
        post(client, did, qgis_collection(*feats)),
        422,
        "Tidak ada zona yang disimpan",
        "indeks 2",
        "berpotongan",
    )
    assert [e["feature_index"] for e in body["errors"]] == [2]
    assert body["errors"][0]["pointer"] == "/features/2/geometry/coordinates"
    assert count(engine, "zone") == 10 + 4


def test_every_bad_feature_is_listed(client, sample, engine):
    did = new_decree(client)
    feats = [
        feature(line((106.97, -6.2), (106.98, -6.2)), nama="A", kategori="merah"),
        feature({"type": "Point", "coordinates": [-6.2, 106.97]}, nama="B", kategori="kuning"),
        feature(line((106.97, -6.2), (106.98, -6.2)), nama="a", kategori="merah"),
        feature(line((106.97, -6.2), (106.98, -6.2)), nama="Jl. D", kategori="biru"),
        {"type": "Point", "coordinates": [106.97, -6.2]},
    ]
    body = assert_problem(post(client, did, qgis_collection(*feats)), 422, "4 dari 5 fitur")
    assert sorted({e["feature_index"] for e in body["errors"]}) == [1, 2, 3, 4]
    assert any("sama dengan fitur ke-0" in e["message"] for e in body["errors"])
    assert count(engine, "zone") == 10 + 4


def test_import_refuses_names_already_in_the_decree(client, sample, engine):
    did = client.get("/api/v1/decrees").get_json()[0]["id"]
    body = assert_problem(
        post(
            client,
            did,
            qgis_collection(
                feature(
                    line((106.97, -6.2), (106.98, -6.2)), nama="jl. sultan agung", kategori="merah"
                )
            ),
        ),
        422,
        "sudah ada di SK ini",
    )
    assert body["errors"][0]["feature_index"] == 0
    assert count(engine, "zone") == 10 + 4


def test_import_wrong_shapes_of_file(client, sample, engine):
    did = new_decree(client)
    mercator = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    assert_problem(
        post(
            client, did, {"type": "FeatureCollection", "crs": mercator, "features": good_features()}
        ),
        422,
        "EPSG:4326",
    )
    assert_problem(post(client, did, {"type": "FeatureCollection", "features": []}), 422, "kosong")
    assert_problem(post(client, did, good_features()[0]), 422, "FeatureCollection")
    assert_problem(post(client, did, {"type": "FeatureCollection", "features": {}}), 422, "larik")
    assert_problem(
        client.post(
            f"/api/v1/decrees/{did}/zones/import", data="{", content_type="application/json"
        ),
        400,
        "JSON tidak valid",
    )
    assert_problem(client.post(f"/api/v1/decrees/{did}/zones/import"), 400, "body kosong")
    assert_problem(
        post(client, "5b0f4c0e-0000-4000-8000-000000000000", qgis_collection(*good_features())),
        404,
        "SK tidak ditemukan",
    )
    assert count(engine, "zone") == 10 + 4
