"""The OGC API read by two clients nobody here wrote, over real HTTP (gunicorn):
GDAL's OGR OAPIF driver (`ogrinfo`, Debian's gdal-bin) and OWSLib's
owslib.ogcapi.features. What a QGIS or Python user of the open data will see."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from owslib.ogcapi.features import Features
from owslib.util import Authentication

pytestmark = pytest.mark.e2e
# Kelurahan Pejuang's (approximate) box: Jl. Alexindo and zona kuning 5 lie in it.
PEJUANG = ("106.979", "-6.185", "107.005", "-6.155")


def ogrinfo(*args: str, auth: tuple[str, str] | None = None) -> str:
    exe = shutil.which("ogrinfo")
    assert exe, "ogrinfo missing: apt-get install gdal-bin (scripts/bootstrap.sh)"
    config: list[str] = ["--config", "GDAL_HTTP_TIMEOUT", "20"]
    if auth:
        config += ["--config", "GDAL_HTTP_AUTH", "BASIC"]
        config += ["--config", "GDAL_HTTP_USERPWD", f"{auth[0]}:{auth[1]}"]
    done = subprocess.run(
        [exe, "-ro", *config, *args], capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout + done.stderr


def test_ogrinfo_lists_counts_and_filters(stack: Any) -> None:
    url = f"OAPIF:{stack.base}/ogc"
    listing = ogrinfo(url)
    assert "1: zones" in listing and "2: kelurahan" in listing, listing
    assert "reports" not in listing  # staff collections are not listed to the public
    zones = ogrinfo("-so", url, "zones")
    assert "Feature Count: 14" in zones, zones  # Medansatria 10 + Bekasi Utara 4
    for field in ("kategori", "decree_nomor", "status", "status_kategori", "kelurahan"):
        assert f"{field}: " in zones, field
    # bbox goes to the server (GDAL sends ?bbox=); two zones lie in Pejuang.
    inside = ogrinfo(
        "-al", "-q", "-spat", *PEJUANG, f"OAPIF:{stack.base}/ogc/kecamatan/medansatria", "zones"
    )
    names = sorted(
        line.split("=", 1)[1].strip()
        for line in inside.splitlines()
        if line.strip().startswith("name (String)")
    )
    assert names == ["Contoh Zona Kuning 5 (Pejuang)", "Jl. Alexindo"], inside
    merah = ogrinfo("-so", "-where", "kategori='merah'", url, "zones")
    assert "Feature Count: 5" in merah, merah  # 3 in Medansatria, 2 in Bekasi Utara
    kelurahan = ogrinfo("-so", url, "kelurahan")
    # Medansatria's 4 and Bekasi Utara's 6.
    assert "Feature Count: 10" in kelurahan and "Multi Polygon" in kelurahan, kelurahan


def test_ogrinfo_staff_collections_need_sign_in(stack: Any) -> None:
    url = f"OAPIF:{stack.base}/ogc"
    refused = ogrinfo("-so", url, "reports")
    assert "Couldn't fetch requested layer reports" in refused, refused
    trantib = ("demo.trantib", stack.demo["demo.trantib"])
    listing = ogrinfo(url, auth=trantib)
    assert "4: reports" in listing and "5: zone-status-history" in listing, listing
    reports = ogrinfo("-so", url, "reports", auth=trantib)
    assert "Feature Count: 18" in reports and "officer: String" in reports, reports
    kota = ogrinfo("-so", url, "reports", auth=("demo.kota", stack.demo["demo.kota"]))
    assert "Feature Count: 18" in kota and "officer" not in kota, kota
    petugas = ogrinfo("-so", url, "reports", auth=("demo.petugas", stack.demo["demo.petugas"]))
    # Signed in, but not a role that reads reports: the layer is not offered at all.
    assert "Couldn't fetch requested layer reports" in petugas, petugas
    assert ": reports" not in ogrinfo(url, auth=("demo.petugas", stack.demo["demo.petugas"]))


def _next(page: dict[str, Any]) -> dict[str, str] | None:
    href = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return dict(parse_qsl(urlsplit(href).query)) if href else None


def test_owslib_collections_items_and_paging(stack: Any) -> None:
    api = Features(stack.base + "/ogc/")
    assert [c["id"] for c in api.collections()["collections"]] == [
        "zones",
        "kelurahan",
        "complaints-public",
    ]
    assert any(c.endswith("/conf/geojson") for c in api.conformance()["conformsTo"])
    zones = api.collection("zones")
    assert zones["id"] == "zones" and zones["extent"]["spatial"]["bbox"]
    first = api.collection_items("zones", limit=3)
    matched = first["numberMatched"]
    assert matched == 10 + 4  # Medansatria's and Bekasi Utara's (the sample's two)
    seen = [f["id"] for f in first["features"]]
    params = _next(first)
    while params is not None:
        page = api.collection_items("zones", **params)
        assert page["numberReturned"] == len(page["features"]) <= 3
        seen += [f["id"] for f in page["features"]]
        params = _next(page)
    assert len(seen) == len(set(seen)) == matched
    one = api.collection_item("zones", seen[0])
    assert one["id"] == seen[0] and one["properties"]["decree_nomor"]
    # The sample's 2024 verifications ended with triwulan I of 2025 (the default rule): its
    # 3 verified zones are what their reports say until Seksi Trantib verifies them again.
    assert api.collection_items("zones", status="tertib", limit=100)["numberMatched"] == 0
    again = api.collection_items("zones", status="dalam_penertiban", limit=100)
    assert again["numberMatched"] == 3
    inside = api.collection_items("zones", bbox=[float(v) for v in PEJUANG])
    assert inside["numberMatched"] == 2


def test_owslib_staff_collections(stack: Any) -> None:
    anon = Features(stack.base + "/ogc/")
    with pytest.raises(RuntimeError, match="401"):
        anon.collection_items("reports")
    trantib = Features(
        stack.base + "/ogc/kecamatan/medansatria/",
        auth=Authentication("demo.trantib", stack.demo["demo.trantib"]),
    )
    ids = [c["id"] for c in trantib.collections()["collections"]]
    assert ids == ["zones", "kelurahan", "complaints-public", "reports", "zone-status-history"]
    seen: list[str] = []
    page = trantib.collection_items("reports", limit=7)
    while True:
        seen += [f["id"] for f in page["features"]]
        params = _next(page)
        if params is None:
            break
        page = trantib.collection_items("reports", **params)
    assert len(set(seen)) == 18
    march = trantib.collection_items("reports", datetime_="2024-03-01/2024-03-31")
    assert march["numberMatched"] == 6
    history = trantib.collection_items("zone-status-history", to_status="tertib", kind="verify")
    assert history["numberMatched"] == 3
