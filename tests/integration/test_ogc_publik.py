"""Kelurahan boundaries (import by API and CLI, all or nothing) and the public page
/publik/<kecamatan>: what it shows, its cache, its photos (web derivatives of accepted
reports of tertib zones only) and the decree PDF, with no person named anywhere."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from k3zones.evidence import EvidenceRules
from k3zones.models import Decree, ReviewState, TertibKategori, Zone
from k3zones.services.decrees import put_attachment
from k3zones.services.photos import process_photo, put_photo, spool
from k3zones.services.reports import review_report, submit_report
from k3zones.services.sample import DEMO_USERS
from k3zones.services.zone_status import verify
from tests.support.http import assert_problem
from tests.support.strategies import hostile_geometries, json_values
from tests.support.world import ALL, JPEG, OTHER, make_world, pdf_bytes

URL = "/api/v1/kecamatan/medansatria/kelurahan/boundaries"
CACHE_KEY = "k3zones:publik:medansatria"
PEOPLE = [u for u, _, _ in DEMO_USERS] + [n for _, n, _ in DEMO_USERS]
PEJUANG = [
    [106.979, -6.185],
    [107.005, -6.185],
    [107.005, -6.155],
    [106.979, -6.155],
    [106.979, -6.185],
]


def layer(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def feat(name: Any, geometry: Any = None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"NAMOBJ": name},
        "geometry": geometry or {"type": "Polygon", "coordinates": [PEJUANG]},
    }


def _kelurahan(anon: Any) -> dict[str, dict[str, Any]]:
    body = anon.get("/ogc/kecamatan/medansatria/collections/kelurahan/items").get_json()
    return {f["properties"]["slug"]: f for f in body["features"]}


def test_admin_imports_a_boundary_layer(client, anon):  # type: ignore[no-untyped-def]
    r = client.post(f"{URL}?source=BIG%20RBI%202023", json=layer(feat("Kel. Pejuang")))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["updated"] == 1
    pejuang = next(k for k in body["kelurahan"] if k["slug"] == "pejuang")
    assert pejuang == {
        "slug": "pejuang",
        "name": "Pejuang",
        "has_boundary": True,
        "boundary_approximate": False,
        "boundary_source": "BIG RBI 2023",
    }
    got = _kelurahan(anon)
    assert got["pejuang"]["properties"]["boundary_source"] == "BIG RBI 2023"
    assert got["pejuang"]["properties"]["boundary_approximate"] is False
    # The others keep the sample's approximate boundary.
    assert got["kalibaru"]["properties"]["boundary_approximate"] is True
    # A MultiPolygon, GeoJSON content type, approximate flag.
    multi = {"type": "MultiPolygon", "coordinates": [[PEJUANG]]}
    r = client.post(
        f"{URL}?approximate=true",
        data=json.dumps(layer(feat("kalibaru", multi))),
        content_type="application/geo+json",
    )
    assert r.status_code == 200, r.get_json()
    assert _kelurahan(anon)["kalibaru"]["properties"]["boundary_approximate"] is True


def test_a_bad_feature_imports_nothing(client, anon):  # type: ignore[no-untyped-def]
    before = _kelurahan(anon)
    point = {"type": "Point", "coordinates": [106.99, -6.17]}
    far = {"type": "Polygon", "coordinates": [[[x + 5, y] for x, y in PEJUANG]]}
    cases = [
        (layer(feat("Pejuang"), feat("Tidak Ada")), "/features/1/properties", "Tidak Ada"),
        (layer(feat("Pejuang"), feat("Kalibaru", point)), "/features/1/geometry/type", "Point"),
        (layer(feat("Pejuang", far)), "/features/0/geometry/coordinates", "di luar"),
        (layer(feat("Pejuang"), feat("pejuang")), "/features/1/properties", "sudah ada"),
        (layer({"type": "Feature", "properties": {}, "geometry": None}), "/features/0", "kolom"),
    ]
    for body, pointer, word in cases:
        r = client.post(URL, json=body)
        problem = assert_problem(r, 422)
        pointers = [e["pointer"] for e in problem["errors"]]
        assert any(p.startswith(pointer) for p in pointers), (pointer, problem)
        assert word in json.dumps(problem, ensure_ascii=False), (word, problem)
    crs = layer(feat("Pejuang")) | {"crs": {"properties": {"name": "EPSG:32748"}}}
    assert_problem(client.post(URL, json=crs), 422, "EPSG:32748")
    assert_problem(client.post(URL, json={"type": "FeatureCollection", "features": []}), 422)
    assert _kelurahan(anon) == before


def test_only_admins_of_the_kecamatan(login, sample):  # type: ignore[no-untyped-def]
    for who in ("demo.trantib", "demo.pimpinan", "demo.kota", "demo.petugas"):
        assert_problem(login(who).post(URL, json=layer(feat("Pejuang"))), 403)
    r = login("demo.admin").post(
        "/api/v1/kecamatan/tidakada/kelurahan/boundaries", json=layer(feat("Pejuang"))
    )
    assert_problem(r, 404)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=json_values,
    geometry=hostile_geometries,
    source=st.text(max_size=600),
)
def test_hostile_layers_are_4xx(client, name, geometry, source):  # type: ignore[no-untyped-def]
    body = layer({"type": "Feature", "properties": {"name": name}, "geometry": geometry})
    r = client.post(URL, query_string={"source": source}, json=body)
    assert r.status_code in (200, 400, 422), (r.status_code, r.get_data()[:300])


def test_cli_imports_a_file(app, sample, anon, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "kelurahan.geojson"
    path.write_text(json.dumps(layer(feat("Pejuang"))))
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["kelurahan", "import", "medansatria", str(path), "--source", "Pemkot Bekasi"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["updated"] == 1
    assert _kelurahan(anon)["pejuang"]["properties"]["boundary_source"] == "Pemkot Bekasi"
    path.write_text(json.dumps(layer(feat("Tidak Ada"))))
    r = runner.invoke(args=["kelurahan", "import", "medansatria", str(path)])
    assert r.exit_code == 1 and "Tidak Ada" in r.output
    path.write_text("{bukan json")
    r = runner.invoke(args=["kelurahan", "import", "medansatria", str(path)])
    assert r.exit_code == 1 and "JSON" in r.output


# --- the public page ------------------------------------------------------------------


def _page(anon: Any) -> str:
    r = anon.get("/publik/medansatria")
    assert r.status_code == 200 and r.mimetype == "text/html"
    return str(r.get_data(as_text=True))


def test_public_page_content_and_cache(anon, sample_2024):  # type: ignore[no-untyped-def]
    r = anon.get("/publik/medansatria")
    html = r.get_data(as_text=True)
    assert html.count('class="zone"') == 10
    assert '<tr class="year" data-year="2024">' in html
    row = html.split('data-year="2024"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="realisasi">30 %</td>' in row and '<td class="target">30 %</td>' in row
    assert "300/Kep.15-Kc.Ms.Tib/I/2024" in html and "DATA CONTOH" in html
    for person in PEOPLE:
        assert person not in html, person
    assert "<script>" not in html.replace('<script type="application/json"', "")
    assert r.headers["Cache-Control"] == "public, max-age=300" and r.headers["ETag"]
    assert (
        anon.get("/publik/medansatria", headers={"If-None-Match": r.headers["ETag"]}).status_code
        == 304
    )
    assert_problem(anon.get("/publik/tidakada"), 404)


def _tertib_zone_report(
    app: Any, w: Any, photos: int = 1, zone: str = "Jl. Sultan Agung"
) -> tuple[str, str]:
    """A patrol with a processed photo at a zone; (report id, photo id)."""
    uow = app.extensions["k3"].uow
    with uow() as s:
        zid = s.scalar(select(Zone.id).where(Zone.name == zone))
    body = {
        "id": str(uuid.uuid4()),
        "type": "patroli",
        "zone_id": str(zid),
        "started_at": "2024-11-02T08:15:00+07:00",
        "location": {"type": "Point", "coordinates": [106.979, -6.2075]},
        "photos_expected": photos,
    }
    officer = w.principal("demo.petugas")
    submit_report(uow, EvidenceRules(), officer, body)
    up = spool(io.BytesIO(JPEG), 10**8)
    assert up is not None
    pid = uuid.uuid4()
    put_photo(uow, w.storage, officer, uuid.UUID(body["id"]), pid, up, None)
    process_photo(uow, w.storage, EvidenceRules(), pid)
    return body["id"], str(pid)


def _fresh_page(anon: Any, redis_client: Any) -> str:
    """The page rendered now (the render cache keeps it up to a minute otherwise)."""
    redis_client.delete(CACHE_KEY)
    return _page(anon)


def test_photos_only_web_of_accepted_reports_of_tertib_zones(app, anon, sample_2024, redis_client):  # type: ignore[no-untyped-def]
    w = make_world(app)
    uow = app.extensions["k3"].uow
    rid, pid = _tertib_zone_report(app, w)
    # The sample's 2024 verification has ended (default rule): Seksi Trantib verifies again.
    with uow() as s:
        zid = s.scalar(select(Zone.id).where(Zone.name == "Jl. Sultan Agung"))
    verify(uow, w.principal("demo.trantib"), zid, TertibKategori.BAIK, "Verifikasi ulang")
    url = f"/publik/medansatria/foto/{pid}.jpg"
    assert_problem(anon.get(url), 404)  # not reviewed yet
    assert pid not in _page(anon)
    review_report(uow, w.principal("demo.trantib"), uuid.UUID(rid), ReviewState.DITERIMA, None)
    assert pid not in _page(anon)  # rendered at most once a minute
    html = _fresh_page(anon, redis_client)
    assert f"/publik/medansatria/foto/{pid}.jpg" in html
    r = anon.get(url)
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["Cache-Control"].startswith("public") and r.headers["ETag"]
    img = Image.open(io.BytesIO(r.get_data()))
    assert len(img.getexif()) == 0  # the original carries EXIF with GPS; this has none
    assert b"Exif" not in r.get_data()[:4096]
    assert anon.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    # Another kecamatan's path, a zone that is not tertib, an unknown photo: nothing.
    assert_problem(anon.get(f"/publik/{OTHER}/foto/{pid}.jpg"), 404)
    rid2, pid2 = _tertib_zone_report(app, w, zone="Contoh Zona Kuning 3 (Medansatria)")
    review_report(uow, w.principal("demo.trantib"), uuid.UUID(rid2), ReviewState.DITERIMA, None)
    assert_problem(anon.get(f"/publik/medansatria/foto/{pid2}.jpg"), 404)
    assert_problem(anon.get(f"/publik/medansatria/foto/{uuid.uuid4()}.jpg"), 404)
    for person in PEOPLE:
        assert person not in html


def test_decree_pdf_of_a_decree_in_force(app, anon, sample, redis_client):  # type: ignore[no-untyped-def]
    uow = app.extensions["k3"].uow
    with uow() as s:
        did = s.scalar(select(Decree.id).where(Decree.nomor == "300/Kep.15-Kc.Ms.Tib/I/2024"))
    assert did is not None
    url = f"/publik/medansatria/sk/{did}.pdf"
    assert_problem(anon.get(url), 404)  # no scan yet
    assert "Unduh SK" not in _page(anon)
    put_attachment(uow, ALL, did, "sk.pdf", pdf_bytes())
    assert url in _fresh_page(anon, redis_client)
    r = anon.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.get_data().startswith(b"%PDF") and r.headers["Content-Disposition"].startswith(
        "inline"
    )
    w = make_world(app)
    theirs = w.decree_with_pdf(OTHER)
    assert_problem(anon.get(f"/publik/medansatria/sk/{theirs}.pdf"), 404)
    assert anon.get(f"/publik/{OTHER}/sk/{theirs}.pdf").status_code == 200
