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
