"""ODK Collect's side of the forms: formList, XForms, manifests, zones.csv, HEAD."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import time
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from tests.support.http import demo_password
from tests.support.paths import PHOTOS
from tests.support.payloads import odk_instance
from tests.support.services import count


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


PHOTO = (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes()


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
    iid = str(uuid.uuid4())
    xml = odk_instance(iid)
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
    other = submit(anon, odk_instance(iid, count=9), {"IMG_1.jpg": PHOTO})
    # The same rule as the JSON API: same id, other content = 422 (change it with a new form).
    assert other.status_code == 422 and b"isi berbeda" in other.data


def test_split_upload_attaches_the_later_photo(anon, sample, login):
    iid = str(uuid.uuid4())
    xml = odk_instance(iid, photos=2)
    assert submit(anon, xml, {"IMG_1.jpg": PHOTO}, incomplete=True).status_code == 201
    rep = login("demo.petugas").get(f"/api/v1/reports/{iid}").get_json()
    assert rep["status"] == "menunggu_foto" and rep["photos_received"] == 1
    second = (PHOTOS / "jpg_gps_DSCN0010.jpg").read_bytes()
    assert submit(anon, xml, {"IMG_2.jpg": second}).status_code == 202
    rep = login("demo.petugas").get(f"/api/v1/reports/{iid}").get_json()
    assert rep["status"] == "lengkap" and rep["photos_received"] == 2


def test_bad_submissions_get_a_message_collect_shows(anon, sample):
    r = submit(anon, b"<data id='k3-patroli'><broken")
    assert r.status_code == 422 and b"<message" in r.data and b"rusak" in r.data
    r = submit(anon, odk_instance(str(uuid.uuid4()), count=-1, photos=0))
    assert r.status_code == 422 and b"kurang dari nol" in r.data
    r = submit(anon, odk_instance(str(uuid.uuid4()), form="k3-lain", photos=0))
    assert r.status_code == 422 and b"tidak dikenal" in r.data
    r = anon.post(
        "/openrosa/medansatria/submission",
        data={},
        headers=basic("demo.petugas"),
        content_type="multipart/form-data",
    )
    assert r.status_code == 400


def test_the_xforms_bindings_choices_and_media(anon, sample):
    ns = {
        "h": "http://www.w3.org/1999/xhtml",
        "x": "http://www.w3.org/2002/xforms",
        "jr": "http://openrosa.org/javarosa",
        "odk": "http://www.opendatakit.org/xforms",
    }
    for form_id in ("k3-patroli", "k3-penertiban"):
        root = ET.fromstring(get(anon, f"/forms/{form_id}.xml").data)
        binds = {b.get("nodeset"): b for b in root.iter("{http://www.w3.org/2002/xforms}bind")}
        assert binds["/data/location"].get("type") == "geopoint"
        assert binds["/data/location"].get("required") == "true()"
        assert binds["/data/foto_1"].get("type") == "binary"
        assert binds["/data/foto_1"].get("required") == "true()"
        orx = "{http://openrosa.org/xforms}"
        assert binds["/data/foto_1"].get(f"{orx}max-pixels") == "1600"
        assert binds["/data/temuan/count"].get("constraint") == ". >= 0"
        jr = "{" + ns["jr"] + "}"
        assert binds["/data/meta/instanceID"].get(f"{jr}preload") == "uid"
        assert binds["/data/start"].get(f"{jr}preload") == "timestamp"
        # The zone choices come from the zones.csv media file.
        instances = {i.get("id"): i for i in root.iter("{http://www.w3.org/2002/xforms}instance")}
        assert instances["zones"].get("src") == "jr://file-csv/zones.csv"
        kinds = [
            v.text for v in instances["violations"].iter("{http://www.w3.org/2002/xforms}name")
        ]
        assert kinds == [
            "pkl",
            "bangunan_liar",
            "spanduk",
            "reklame_kain",
            "parkir_liar",
            "sampah",
            "lainnya",
        ]
        label = root.find(".//h:title", ns)
        assert label is not None and label.text.startswith("Laporan ")
    pen = ET.fromstring(get(anon, "/forms/k3-penertiban.xml").data)
    acts = {i.get("id"): i for i in pen.iter("{http://www.w3.org/2002/xforms}instance")}
    assert [v.text for v in acts["actions"].iter("{http://www.w3.org/2002/xforms}name")] == [
        "teguran_lisan",
        "teguran_tertulis",
        "pembongkaran",
        "penyitaan",
        "relokasi",
        "pembersihan",
    ]


def test_collects_exact_sequence_with_real_photos(anon, sample, login, worker):
    """HEAD, POST (incomplete, photo 1), split POST (photos 2 and 3), then a retry of the
    first POST: one report, all photos, processed and flagged."""
    iid = str(uuid.uuid4())
    xml = odk_instance(iid, photos=3)
    p1 = (PHOTOS / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes()
    p2 = (PHOTOS / "heic_mobile_iphone_13_pro_max.HEIC").read_bytes()
    p3 = (PHOTOS / "jpg_orientation_portrait_6.jpg").read_bytes()
    head = anon.head("/openrosa/medansatria/submission", headers=basic("demo.petugas"))
    assert head.status_code == 204
    assert submit(anon, xml, {"IMG_1.jpg": p1}, incomplete=True).status_code == 201
    assert submit(anon, xml, {"IMG_2.jpg": p2, "IMG_3.jpg": p3}).status_code == 202
    assert submit(anon, xml, {"IMG_1.jpg": p1}, incomplete=True).status_code == 202  # retry
    phone = login("demo.petugas")
    end = time.monotonic() + 60
    while time.monotonic() < end:
        rep = phone.get(f"/api/v1/reports/{iid}").get_json()
        if all(p["status"] == "diproses" for p in rep["photos"]):
            break
        time.sleep(0.2)
    assert rep["source"] == "odk" and rep["status"] == "lengkap"
    assert len(rep["photos"]) == 3 and all(p["status"] == "diproses" for p in rep["photos"])
    assert {"photo_gps_far", "photo_no_gps"} <= set(rep["flags"])
    items = phone.get("/api/v1/reports?limit=200").get_json()["items"]
    assert [i["id"] for i in items].count(iid) == 1


def test_refusals_are_xml_messages(anon, sample):
    r = anon.get("/openrosa/medansatria/forms/k3-lain/manifest", headers=basic("demo.petugas"))
    assert r.status_code == 404 and b"<message" in r.data
    r = anon.get("/openrosa/medansatria/formList", headers=basic("demo.pimpinan"))
    assert r.status_code == 403 and b"<message" in r.data


def test_failed_basic_sign_ins_are_limited_but_good_ones_are_not(anon, sample, settings):
    limit = int(settings.login_limit_per_user.split()[0])
    for _ in range(limit + 5):  # Collect sends the password on every request
        assert get(anon, "/formList").status_code == 200
    for _ in range(limit):
        assert (
            anon.get(
                "/openrosa/medansatria/formList", headers=basic("demo.petugas2", "salah-12345")
            ).status_code
            == 401
        )
    r = anon.get("/openrosa/medansatria/formList", headers=basic("demo.petugas2"))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and b"<message" in r.data
