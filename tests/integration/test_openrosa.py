"""ODK Collect's side of the forms: formList, XForms, manifests, zones.csv, HEAD."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from typing import Any

from tests.conftest import demo_password


def basic(user: str, password: str | None = None) -> dict[str, str]:
    raw = f"{user}:{password or demo_password(user)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def get(anon: Any, path: str, user: str = "demo.petugas") -> Any:
    return anon.get("/openrosa/medansatria" + path, headers=basic(user))


def test_collect_must_sign_in_with_basic(anon, sample):
    r = anon.get("/openrosa/medansatria/formList")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert b"<message" in r.data and r.headers["X-OpenRosa-Version"] == "1.0"
    r = anon.get("/openrosa/medansatria/formList", headers=basic("demo.petugas", "salah-123"))
    assert r.status_code == 401 and b"salah" in r.data
    assert get(anon, "/formList", "demo.pimpinan").status_code == 403
    assert (
        anon.get("/openrosa/bekasi-timur/formList", headers=basic("demo.petugas")).status_code
        == 404
    )


def test_form_list_forms_and_hashes(anon, sample):
    r = get(anon, "/formList")
    assert r.status_code == 200 and r.mimetype == "text/xml"
    assert r.headers["X-OpenRosa-Version"] == "1.0" and r.headers["Date"]
    ids = re.findall(rb"<formID>([^<]+)</formID>", r.data)
    assert ids == [b"k3-patroli", b"k3-penertiban"]
    hashes = dict(zip(ids, re.findall(rb"<hash>(md5:[0-9a-f]{32})</hash>", r.data), strict=True))
    for form_id in ("k3-patroli", "k3-penertiban"):
        xml = get(anon, f"/forms/{form_id}.xml").data
        assert hashes[form_id.encode()] == b"md5:" + hashlib.md5(xml).hexdigest().encode()
        assert b'jr:preloadParams="uuid"' in xml or b"instanceID" in xml
        assert b'max-pixels="1600"' in xml and b"zones.csv" in xml
    assert b"tindakan" in get(anon, "/forms/k3-penertiban.xml").data
    assert get(anon, "/forms/k3-lain.xml").status_code == 404


def test_manifest_zones_csv_follows_the_zones_in_force(anon, sample, login):
    m = get(anon, "/forms/k3-patroli/manifest")
    assert b"<filename>zones.csv</filename>" in m.data
    before = re.search(rb"<hash>(md5:[0-9a-f]+)</hash>", m.data).group(1)
    data = get(anon, "/forms/k3-patroli/zones.csv").data
    assert before == b"md5:" + hashlib.md5(data).hexdigest().encode()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 10 and {r["kategori"] for r in rows} == {"merah", "kuning"}
    assert any(r["label"] == "Jl. Sultan Agung (zona merah)" for r in rows)
    # A zone retired: the media file and its hash change, the form does not.
    admin = login("demo.admin")
    admin.post(f"/api/v1/zones/{rows[0]['name']}/retire", json={"reason": "SK baru"})
    after = re.search(
        rb"<hash>(md5:[0-9a-f]+)</hash>", get(anon, "/forms/k3-patroli/manifest").data
    ).group(1)
    assert after != before
    assert (
        len(
            list(
                csv.DictReader(io.StringIO(get(anon, "/forms/k3-patroli/zones.csv").data.decode()))
            )
        )
        == 9
    )


def test_head_submission(anon, sample):
    r = anon.head("/openrosa/medansatria/submission", headers=basic("demo.petugas"))
    assert r.status_code == 204
    assert r.headers["X-OpenRosa-Version"] == "1.0"
    assert int(r.headers["X-OpenRosa-Accept-Content-Length"]) > 10_000_000


PHOTO = (
    __import__("tests.conftest", fromlist=["TESTDATA"]).TESTDATA / "photos" / "jpg_gps_DSCN0042.jpg"
).read_bytes()


def instance(
    iid: str, zone: str = "", count: int = 3, photos: int = 1, form: str = "k3-penertiban"
) -> bytes:
    fotos = "".join(f"<foto_{i}>IMG_{i}.jpg</foto_{i}>" for i in range(1, photos + 1))
    return f"""<?xml version='1.0' ?><data id="{form}" version="2026112801">
<start>2024-05-02T08:15:00.000+07:00</start><end>2024-05-02T09:05:00.000+07:00</end>
<zone>{zone}</zone><location>-6.2072 106.979 12.0 6.5</location>
<units>kecamatan polsek koramil</units>
<temuan><kind>pkl</kind><count>{count}</count><catatan>trotoar</catatan></temuan>
<tindakan><kind>teguran_lisan</kind><count>3</count></tindakan>
<notes>Operasi gabungan</notes>{fotos}
<meta><instanceID>uuid:{iid}</instanceID></meta></data>""".encode()


def submit(
    anon: Any,
    xml: bytes,
    files: dict[str, bytes] | None = None,
    incomplete: bool = False,
    user: str = "demo.petugas",
) -> Any:
    data: dict[str, Any] = {"xml_submission_file": (io.BytesIO(xml), "submission.xml", "text/xml")}
    for name, content in (files or {}).items():
        data[name] = (io.BytesIO(content), name, "image/jpeg")
    if incomplete:
        data["*isIncomplete*"] = "yes"
    return anon.post(
        "/openrosa/medansatria/submission",
        data=data,
        headers=basic(user),
        content_type="multipart/form-data",
    )


def test_a_collect_submission_becomes_a_report_once(anon, sample, login, engine):
    import uuid

    from tests.conftest import count

    iid = str(uuid.uuid4())
    xml = instance(iid)
    r = submit(anon, xml, {"IMG_1.jpg": PHOTO})
    assert r.status_code == 201, r.data
    assert b"Laporan diterima" in r.data and r.headers["X-OpenRosa-Version"] == "1.0"
    rep = login("demo.petugas").get(f"/api/v1/reports/{iid}").get_json()
    assert (rep["source"], rep["type"], rep["zone"]) == ("odk", "penertiban", "Jl. Sultan Agung")
    assert rep["units"] == ["kecamatan", "koramil", "polsek"] and rep["accuracy_m"] == 6.5
    assert rep["findings"] == [{"kind": "pkl", "count": 3, "notes": "trotoar"}]
    assert rep["status"] == "lengkap" and len(rep["photos"]) == 1
    again = submit(anon, xml, {"IMG_1.jpg": PHOTO})
    assert again.status_code == 202
    assert count(engine, "report", "source = 'odk'") == 1 and count(engine, "photo") == 1
    other = submit(anon, instance(iid, count=9), {"IMG_1.jpg": PHOTO})
    assert other.status_code == 409 and b"isi" in other.data


def test_split_upload_attaches_the_later_photo(anon, sample, login):
    import uuid

    iid = str(uuid.uuid4())
    xml = instance(iid, photos=2)
    assert submit(anon, xml, {"IMG_1.jpg": PHOTO}, incomplete=True).status_code == 201
    rep = login("demo.petugas").get(f"/api/v1/reports/{iid}").get_json()
    assert rep["status"] == "menunggu_foto" and rep["photos_received"] == 1
    second = (PHOTOS_DIR / "jpg_gps_DSCN0010.jpg").read_bytes()
    assert submit(anon, xml, {"IMG_2.jpg": second}).status_code == 202
    rep = login("demo.petugas").get(f"/api/v1/reports/{iid}").get_json()
    assert rep["status"] == "lengkap" and rep["photos_received"] == 2


def test_bad_submissions_get_a_message_collect_shows(anon, sample):
    import uuid

    r = submit(anon, b"<data id='k3-patroli'><broken")
    assert r.status_code == 422 and b"<message" in r.data and b"rusak" in r.data
    r = submit(anon, instance(str(uuid.uuid4()), count=-1, photos=0))
    assert r.status_code == 422 and b"kurang dari nol" in r.data
    r = submit(anon, instance(str(uuid.uuid4()), form="k3-lain", photos=0))
    assert r.status_code == 422 and b"tidak dikenal" in r.data
    r = anon.post(
        "/openrosa/medansatria/submission",
        data={},
        headers=basic("demo.petugas"),
        content_type="multipart/form-data",
    )
    assert r.status_code == 400


PHOTOS_DIR = __import__("tests.conftest", fromlist=["TESTDATA"]).TESTDATA / "photos"
