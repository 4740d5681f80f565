"""API10:2023 Unsafe Consumption of APIs, for k3zones.

k3zones calls no third-party API; the data it consumes from outside are files and bodies
other programs write: ODK Collect's instance XML, QGIS GeoJSON, the EXIF a phone camera
writes into a photo, and the PDF a scanner makes of a decree. Each parser is fed hostile
input through the real endpoint (and the real worker, for photos), and this proves:
- OpenRosa instance XML with entity expansion (billion laughs), an external entity
  (file:///etc/passwd), an external DTD or an unknown encoding is refused at once with a
  4xx OpenRosa XML message Collect shows; nothing is stored and no file content leaks.
- A zone GeoJSON import with deep nesting, a `NaN` or `1e400` number, geometry types we
  do not keep, or lists where text is expected is a 422 problem+json; nothing is stored.
- EXIF text with NUL bytes, broken UTF-8 (a lone surrogate's bytes), markup, formula-like
  text and very long Make/Model is read by the worker without a crash and stored as
  plain, bounded text, returned as JSON text (never as markup).
- A file that only starts with `%PDF` is refused (422) because it does not parse; a real
  tiny PDF is accepted and its page count returned.
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
from typing import Any

from PIL import Image
from pypdf import PdfWriter

from tests.support.http import PROBLEM, assert_problem, demo_password
from tests.support.paths import PHOTOS
from tests.support.payloads import odk_instance, report
from tests.support.services import count

# --- OpenRosa instance XML --------------------------------------------------------------


def basic(user: str = "demo.petugas") -> dict[str, str]:
    raw = f"{user}:{demo_password(user)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def submit(anon: Any, xml: bytes) -> Any:
    return anon.post(
        "/openrosa/medansatria/submission",
        data={"xml_submission_file": (io.BytesIO(xml), "submission.xml", "text/xml")},
        headers=basic(),
        content_type="multipart/form-data",
    )


def with_doctype(doctype: str, body_text: str = "Operasi gabungan") -> bytes:
    """A valid instance with a DOCTYPE inserted and its notes replaced."""
    xml = odk_instance(str(uuid.uuid4()), photos=0).decode()
    xml = xml.replace("<?xml version='1.0' ?>", "<?xml version='1.0' ?>" + doctype)
    return xml.replace("<notes>Operasi gabungan</notes>", f"<notes>{body_text}</notes>").encode()


LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
HOSTILE_XML = {
    "billion laughs": with_doctype(f'<!DOCTYPE data [<!ENTITY lol0 "lol">{LAUGHS}]>', "&lol9;"),
    "quadratic blowup": with_doctype(
        f'<!DOCTYPE data [<!ENTITY a "{"x" * 50_000}">]>', "&a;" * 2_000
    ),
    "external entity": with_doctype(
        '<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"
    ),
    "parameter entity": with_doctype(
        '<!DOCTYPE data [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    ),
    "external DTD": with_doctype('<!DOCTYPE data SYSTEM "file:///etc/passwd">'),
    "unknown encoding": odk_instance(str(uuid.uuid4()), photos=0).replace(
        b"<?xml version='1.0' ?>", b"<?xml version='1.0' encoding='x-k3-tidak-ada'?>"
    ),
    "utf-7 encoding": odk_instance(str(uuid.uuid4()), photos=0).replace(
        b"<?xml version='1.0' ?>", b"<?xml version='1.0' encoding='UTF-7'?>"
    ),
}


def test_hostile_instance_xml_is_refused_fast_and_stores_nothing(anon, sample, engine):
    before = count(engine, "report")
    for name, xml in HOSTILE_XML.items():
        t0 = time.monotonic()
        r = submit(anon, xml)
        took = time.monotonic() - t0
        assert 400 <= r.status_code < 500, (name, r.status_code, r.data[:300])
        assert r.mimetype in ("text/xml", "application/xml"), (name, r.mimetype)
        assert b"<OpenRosaResponse" in r.data and b"<message" in r.data, name
        assert b"root:" not in r.data and b"lollol" not in r.data, name
        assert took < 2.0, (name, took)
    assert count(engine, "report") == before
    # The same form without the tricks is accepted: the refusals were about the tricks.
    assert submit(anon, odk_instance(str(uuid.uuid4()), photos=0)).status_code == 201


# --- GeoJSON import of zones --------------------------------------------------------------


def new_decree(client: Any) -> str:
    r = client.post(
        "/api/v1/decrees",
        json={
            "kecamatan": "medansatria",
            "nomor": "300/Kep.77-Kc.Ms.Tib/II/2025",
            "tanggal": "2025-02-03",
            "perihal": "Uji masukan berbahaya",
        },
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


SQUARE = [[[106.990, -6.170], [106.992, -6.170], [106.992, -6.172], [106.990, -6.170]]]


def collection(geometry: Any, **props: Any) -> dict[str, Any]:
    base = {"nama": "Taman Uji", "kategori": "kuning", "kelurahan": "pejuang"}
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {**base, **props}, "geometry": geometry}],
    }


def deep(n: int) -> str:
    return "[" * n + "]" * n


HOSTILE_GEOJSON: dict[str, str] = {
    "deep nesting": json.dumps(collection({"type": "Polygon", "coordinates": None})).replace(
        "null", deep(100_000)
    ),
    "deep properties": json.dumps(collection({"type": "Polygon", "coordinates": SQUARE})).replace(
        '"Taman Uji"', deep(5_000)
    ),
    "NaN literal": json.dumps(collection({"type": "Polygon", "coordinates": SQUARE})).replace(
        "106.99,", "NaN,", 1
    ),
    "Infinity literal": json.dumps(collection({"type": "Point", "coordinates": [0, 0]})).replace(
        "[0, 0]", "[Infinity, -6.17]"
    ),
    "1e400": json.dumps(collection({"type": "Point", "coordinates": [0, 0]})).replace(
        "[0, 0]", "[1e400, -6.17]"
    ),
    "GeometryCollection": json.dumps(collection({"type": "GeometryCollection", "geometries": []})),
    "Circle": json.dumps(collection({"type": "Circle", "coordinates": [106.99, -6.17]})),
    "list as nama": json.dumps(
        collection({"type": "Polygon", "coordinates": SQUARE}, nama=["Taman", "Uji"])
    ),
    "object as kategori": json.dumps(
        collection({"type": "Polygon", "coordinates": SQUARE}, kategori={"$ne": ""})
    ),
    "string coordinates": json.dumps(collection({"type": "Polygon", "coordinates": "106,-6"})),
    "features not a list": json.dumps({"type": "FeatureCollection", "features": "semua"}),
    "many points": json.dumps(
        collection({"type": "LineString", "coordinates": [[106.99, -6.17]] * 300_000})
    ),
}


def test_hostile_geojson_imports_are_422_and_store_nothing(client, sample, engine):
    did = new_decree(client)
    before = count(engine, "zone")
    for name, body in HOSTILE_GEOJSON.items():
        t0 = time.monotonic()
        r = client.post(
            f"/api/v1/decrees/{did}/zones/import",
            data=body,
            content_type="application/geo+json",
        )
        # Nesting too deep to be GeoJSON is refused while reading the body (400 or 422 by
        # the body reader's choice); every other case is read and judged (422), or is too
        # big to read at all (413).
        expected = (400, 422) if name.startswith("deep") else (413, 422)
        assert r.status_code in expected, (name, r.status_code, r.get_data(as_text=True)[:300])
        assert r.mimetype == PROBLEM, name
        assert time.monotonic() - t0 < 5, name
        assert "Traceback" not in r.get_data(as_text=True), name
    assert count(engine, "zone") == before


# --- EXIF text in photos ----------------------------------------------------------------

HOSTILE_EXIF: list[tuple[bytes | str, str]] = [
    (b"Sam\x00sung\x00\x00", "Galaxy\x00 A14"),
    (b"Canon \xed\xa0\x80 \xff\xfe", "<img src=x onerror=alert(1)>"),
    ("<script>alert('k3')</script>", '=HYPERLINK("http://evil","klik")'),
    ("+1+1" + "M" * 20_000, "@SUM(A1)" + "X" * 20_000),
]


def jpeg_with_exif(make: bytes | str, model: str) -> bytes:
    img = Image.open(PHOTOS / "jpg_gps_DSCN0010.jpg")
    exif = img.getexif()
    exif[0x010F], exif[0x0110] = make, model
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def test_hostile_exif_text_is_stored_as_safe_bounded_text(sample, login, worker):
    phone = login("demo.petugas")
    r = phone.post("/api/v1/reports", json=report(photos_expected=len(HOSTILE_EXIF)))
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    for make, model in HOSTILE_EXIF:
        resp = phone.put(
            f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
            data=jpeg_with_exif(make, model),
            content_type="image/jpeg",
        )
        assert resp.status_code == 201, resp.get_json()
    end = time.monotonic() + 90
    while time.monotonic() < end:
        body = phone.get(f"/api/v1/reports/{rid}").get_json()
        if len(body["photos"]) == len(HOSTILE_EXIF) and all(
            p["status"] != "diterima" for p in body["photos"]
        ):
            break
        time.sleep(0.3)
    photos = body["photos"]
    assert all(p["status"] == "diproses" for p in photos), [p["status"] for p in photos]
    texts = [p["exif"].get(k) for p in photos for k in ("make", "model")]
    for t in texts:
        assert isinstance(t, str) and t, texts
        assert "\x00" not in t and len(t) <= 100
        t.encode("utf-8")  # no lone surrogate survives: PostgreSQL and JSON took it
    # Markup and formulas are kept as the camera wrote them, as text: escaping is the
    # reader's job (the console writes textContent; exports mark formula-like text).
    assert "<script>alert('k3')</script>" in texts
    assert '=HYPERLINK("http://evil","klik")' in texts
    assert "Samsung" in texts and "Galaxy A14" in texts


# --- Decree PDFs ----------------------------------------------------------------------------


def tiny_pdf(pages: int) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(595, 842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_fake_pdf_is_refused_and_a_real_one_is_counted(client, sample):
    did = client.get("/api/v1/decrees").get_json()[0]["id"]
    url = f"/api/v1/decrees/{did}/attachment"
    fakes = [
        b"%PDF-1.7\n" + b"<script>alert(1)</script>" * 100,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << >>\n%%EOF",
        tiny_pdf(3)[:-200],  # a real file, cut short
    ]
    for fake in fakes:
        assert_problem(
            client.put(url, data=fake, headers={"Content-Type": "application/pdf"}),
            422,
            "tidak dapat dibaca sebagai PDF",
        )
    assert client.get(f"/api/v1/decrees/{did}").get_json()["attachment"] is None
    r = client.put(url, data=tiny_pdf(3), headers={"Content-Type": "application/pdf"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["attachment"]["page_count"] == 3
