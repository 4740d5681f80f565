"""Open311 GeoReport v2 as partner apps use it: services and requests read with a
GeoReport v2 client library (PyPI `georeport`) over real HTTP, requests posted
form-encoded with the partner's api_key, staff dispatch, an officer's report with a photo
closes it, the client reads `closed` with status_notes. XML answers parse; errors are the
spec's [{code, description}] with 4xx; nothing half-stored."""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from georeport import GeoReport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.serving import make_server

from k3zones.models import Complaint, ComplaintTransition
from tests.support.photos import jpeg_with_gps
from tests.support.world import OWN

INSIDE = {"lat": "-6.2072", "long": "106.9790"}  # Jl. Sultan Agung, Medansatria
FAR_AWAY = {"lat": "-6.9000", "long": "107.6000"}  # Bandung


@pytest.fixture(scope="module")
def server(app: Any) -> Iterator[str]:
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/open311/v2"
    srv.shutdown()


@pytest.fixture()
def partner(sample: Any, login: Any) -> str:
    admin = login("demo.admin")
    r = admin.post("/api/v1/partner-keys", json={"name": "Aplikasi Kota (uji)"})
    assert r.status_code == 201, r.get_json()
    key = r.get_json()["api_key"]
    assert key and r.get_json()["key_prefix"] == key[:12]
    # never shown again
    listed = admin.get("/api/v1/partner-keys").get_json()
    assert all(k["api_key"] is None for k in listed)
    return str(key)


def post(server: str, fmt: str = "json", **form: str) -> requests.Response:
    return requests.post(f"{server}/requests.{fmt}", data=form, timeout=10)


def count(uow: Any) -> int:
    with uow() as s:
        return int(s.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_services_with_the_georeport_client(server, sample):
    client = GeoReport(server, jurisdiction=OWN)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"pkl", "spanduk", "sampah", "lainnya"} <= codes
    pkl = next(s for s in services if s["service_code"] == "pkl")
    assert pkl["service_name"].startswith("PKL") and pkl["metadata"] is True
    definition = client.get_service_definition("sampah")
    assert definition["attributes"][0]["code"] == "volume"
    xml_client = GeoReport(server, jurisdiction=OWN, output_format="xml")
    xml_services = xml_client.get_service_list()
    assert {s["service_code"] for s in xml_services} == codes
    assert xml_client.get_service_definition("pkl")["service_code"] == "pkl"


def test_the_whole_loop_through_open311(server, partner, login, app, uow, worker):
    client = GeoReport(server, jurisdiction=OWN, api_key=partner)
    r = post(
        server,
        jurisdiction_id=OWN,
        api_key=partner,
        service_code="pkl",
        description="Lima lapak PKL menutup trotoar di depan ruko",
        first_name="Siti",
        last_name="Rahma",
        email="siti@example.org",
        phone="081234567890",
        media_url="https://aplikasi-kota.example/foto/1.jpg",
        **INSIDE,
    )
    assert r.status_code == 201, r.text
    code = r.json()[0]["service_request_id"]
    token = r.json()[0]["token"]
    assert code.startswith("ADU-")

    got = client.get_service_request(code)
    assert got["status"] == "open" and got["service_code"] == "pkl"
    assert got["lat"] == pytest.approx(-6.2072) and got["long"] == pytest.approx(106.979)
    # the reporter's contact never leaves the staff side
    assert (
        "Siti" not in r.text + str(got)
        and "0812" not in str(got)
        and "example.org" not in str({k: v for k, v in got.items() if k != "media_url"})
    )
    listed = client.get_service_requests(service_code="pkl", status="open")
    assert [x["service_request_id"] for x in listed] == [code]
    t = requests.get(f"{server}/tokens/{token}.json", params={"jurisdiction_id": OWN}, timeout=5)
    assert t.json() == [{"service_request_id": code, "token": token}]

    # staff: accept, dispatch the 3-pilar team
    trantib = login("demo.trantib")
    queue = trantib.get("/api/v1/complaints").get_json()["items"]
    c = next(x for x in queue if x["code"] == code)
    assert c["sla"]["due_at"] and c["sla"]["phase"] in ("aman", "peringatan")
    detail = trantib.get(f"/api/v1/complaints/{c['id']}").get_json()
    assert detail["reporter"] == {
        "name": "Siti Rahma",
        "phone": "081234567890",
        "email": "siti@example.org",
    }
    r = trantib.post(
        f"/api/v1/complaints/{c['id']}/actions", json={"action": "terima", "reason": "Valid"}
    )
    assert r.status_code == 200, r.get_json()
    petugas = login("demo.petugas")
    team = next(
        t for t in petugas.get("/api/v1/me").get_json()["teams"] if t["team_kind"] == "tiga_pilar"
    )
    r = trantib.post(
        f"/api/v1/complaints/{c['id']}/actions",
        json={"action": "tugaskan", "reason": "Tim 3 pilar", "team_id": team["team_id"]},
    )
    assert r.status_code == 200 and r.get_json()["state"] == "ditugaskan", r.get_json()

    # the team's officer files a penertiban report with a photo; staff link it
    rid = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    body = {
        "id": rid,
        "type": "penertiban",
        "team_id": team["team_id"],
        "units": ["kecamatan", "polsek", "koramil"],
        "started_at": now,
        "ended_at": now,
        "location": {"type": "Point", "coordinates": [106.979, -6.2072]},
        "findings": [{"kind": "pkl", "count": 5}],
        "actions": [{"kind": "teguran_lisan", "count": 5}],
        "photos_expected": 1,
    }
    r = petugas.post("/api/v1/reports", json=body)
    assert r.status_code == 201, r.get_json()
    r = petugas.put(
        f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        data=jpeg_with_gps(-6.2072, 106.979),
        content_type="image/jpeg",
    )
    assert r.status_code == 201, r.get_json()
    r = trantib.post(
        f"/api/v1/complaints/{c['id']}/actions",
        json={"action": "tangani", "reason": "Laporan tim", "report_id": rid},
    )
    assert r.status_code == 200, r.get_json()
    # not closed before the report is accepted
    r = trantib.post(
        f"/api/v1/complaints/{c['id']}/actions", json={"action": "selesai", "reason": "x"}
    )
    assert r.status_code == 409
    r = trantib.post(f"/api/v1/reports/{rid}/review", json={"state": "diterima"})
    assert r.status_code == 200, r.get_json()
    r = trantib.post(
        f"/api/v1/complaints/{c['id']}/actions",
        json={
            "action": "selesai",
            "reason": "Laporan penertiban diterima",
            "public_note": "PKL sudah ditertibkan dan trotoar bersih.",
        },
    )
    assert r.status_code == 200, r.get_json()
    trail = r.get_json()["transitions"]
    assert [t["to_state"] for t in trail] == [
        "baru",
        "diterima",
        "ditugaskan",
        "ditangani",
        "selesai",
    ]
    assert trail[1]["actor"] == "demo.trantib" and trail[1]["reason"] == "Valid"
    assert trail[0]["actor"] == "Aplikasi Kota (uji)"

    closed = client.get_service_request(code)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "PKL sudah ditertibkan dan trotoar bersih."
    xml = GeoReport(server, jurisdiction=OWN, output_format="xml").get_service_request(code)
    assert xml["status"] == "closed" and xml["service_request_id"] == code


def test_xml_answers_parse(server, partner):
    r = post(
        server,
        "xml",
        jurisdiction_id=OWN,
        api_key=partner,
        service_code="spanduk",
        description="Spanduk liar <b>besar</b> & \x01 di tiang listrik",
        **INSIDE,
    )
    assert r.status_code == 201, r.text
    root = ET.fromstring(r.content)
    code = root.find("request/service_request_id").text
    r = requests.get(f"{server}/requests/{code}.xml", params={"jurisdiction_id": OWN}, timeout=5)
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    assert "<b>besar</b>" in root.find("request/description").text
    r = requests.get(f"{server}/services/narkoba.xml", timeout=5)
    assert r.status_code == 404
    err = ET.fromstring(r.content)
    assert err.tag == "errors" and err.find("error/code").text == "404"
    assert err.find("error/description").text


def errors_of(r: requests.Response, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    return str(body[0]["description"])


def test_bad_posts_are_clear_4xx_and_store_nothing(server, partner, login, uow):
    before = count(uow)
    good = {
        "jurisdiction_id": OWN,
        "api_key": partner,
        "service_code": "sampah",
        "description": "Tumpukan sampah di pinggir kali",
    }
    assert "Lokasi" in errors_of(post(server, **good), 400)  # missing location
    assert "di luar" in errors_of(post(server, **good, **FAR_AWAY), 400)
    assert "api_key" in errors_of(post(server, **{**good, "api_key": "k3p_salah"}, **INSIDE), 403)
    assert errors_of(post(server, **{**good, "api_key": ""}, **INSIDE), 403)
    assert errors_of(post(server, **{**good, "jurisdiction_id": "antah"}, **INSIDE), 404)
    assert errors_of(post(server, **{**good, "service_code": "x"}, **INSIDE), 400)
    assert errors_of(post(server, **good, lat="NaN", long="1e999"), 400)
    assert errors_of(post(server, **good, **INSIDE, media_url="file:///etc/passwd"), 400)
    r = requests.post(f"{server}/requests.json", json={**good, **INSIDE}, timeout=5)
    assert errors_of(r, 400)  # GeoReport v2 posts are form-encoded
    big = requests.post(
        f"{server}/requests.json",
        data={**good, **INSIDE, "description": "x" * (3 * 1024 * 1024)},
        timeout=10,
    )
    assert big.status_code == 413
    assert count(uow) == before
    # a revoked key is refused
    admin = login("demo.admin")
    kid = next(k["id"] for k in admin.get("/api/v1/partner-keys").get_json())
    assert admin.post(f"/api/v1/partner-keys/{kid}/revoke").get_json()["revoked_at"]
    assert "dicabut" in errors_of(post(server, **good, **INSIDE), 403)
    assert count(uow) == before


def test_reads_are_filtered_and_bounded(server, partner):
    assert errors_of(requests.get(f"{server}/requests.json", timeout=5), 400)  # jurisdiction
    q = {"jurisdiction_id": OWN}
    for bad in (
        {"status": "maybe"},
        {"start_date": "kemarin"},
        {"page_size": "100000"},
        {"service_code": "narkoba"},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    ):
        assert errors_of(
            requests.get(f"{server}/requests.json", params={**q, **bad}, timeout=5), 400
        )
    codes = []
    for i in range(3):
        r = post(
            server,
            jurisdiction_id=OWN,
            api_key=partner,
            service_code="parkir_liar",
            description=f"Parkir liar nomor {i} di bahu jalan",
            lat=str(-6.2072 + i * 0.002),
            long="106.979",
        )
        codes.append(r.json()[0]["service_request_id"])
    page = requests.get(f"{server}/requests.json", params={**q, "page_size": "2"}, timeout=5).json()
    assert len(page) == 2
    page2 = requests.get(
        f"{server}/requests.json", params={**q, "page_size": "2", "page": "2"}, timeout=5
    ).json()
    assert {x["service_request_id"] for x in page + page2} == set(codes)
    one = requests.get(
        f"{server}/requests.json", params={**q, "service_request_id": codes[1]}, timeout=5
    ).json()
    assert [x["service_request_id"] for x in one] == [codes[1]]
    none = requests.get(
        f"{server}/requests.json", params={**q, "status": "closed"}, timeout=5
    ).json()
    assert none == []
    assert errors_of(requests.get(f"{server}/requests/ADU-ZZZZZZZZ.json", params=q, timeout=5), 404)
    assert errors_of(requests.get(f"{server}/tokens/{uuid.uuid4()}.json", params=q, timeout=5), 404)


def test_duplicates_are_merged(server, partner, uow):
    form = {
        "jurisdiction_id": OWN,
        "api_key": partner,
        "service_code": "sampah",
        "description": "Sampah menumpuk di sudut pasar",
        **INSIDE,
    }
    first = post(server, **form).json()[0]["service_request_id"]
    again = post(server, **{**form, "lat": "-6.2074"})  # ~20 m away
    assert again.status_code == 201
    assert first in again.json()[0]["service_notice"]
    dup = again.json()[0]["service_request_id"]
    read = requests.get(
        f"{server}/requests/{dup}.json", params={"jurisdiction_id": OWN}, timeout=5
    ).json()[0]
    assert read["status"] == "closed" and first in read["status_notes"]
    # another category at the same spot is not a duplicate
    other = post(server, **{**form, "service_code": "pkl", "description": "PKL di sudut pasar"})
    assert other.json()[0]["service_notice"] == "Laporan diterima."
    with uow() as s:
        orig = s.scalar(select(Complaint).where(Complaint.code == first))
        assert orig is not None and orig.duplicates == 1
        n = s.scalar(
            select(func.count())
            .select_from(ComplaintTransition)
            .join(Complaint, Complaint.id == ComplaintTransition.complaint_id)
            .where(Complaint.code == dup)
        )
        assert n == 2


def test_partner_posts_are_rate_limited(server, partner, app):
    st = app.extensions["k3"].settings
    object.__setattr__(st, "complaint_limit_per_partner", "5 per minute")
    try:
        statuses = []
        for i in range(8):
            r = post(
                server,
                jurisdiction_id=OWN,
                api_key=partner,
                service_code="lainnya",
                description=f"Uji batas laporan {i} dari aplikasi",
                lat=str(-6.20 + i * 0.003),
                long="106.98",
            )
            statuses.append(r.status_code)
        assert statuses[:5] == [201] * 5 and set(statuses[5:]) == {429}
        assert "Terlalu banyak" in errors_of(r, 429)
        assert r.headers.get("Retry-After")
    finally:
        object.__setattr__(st, "complaint_limit_per_partner", "120 per minute;10000 per day")


HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "\x00",
            "<script>alert(1)</script>",
            "=cmd|' /C calc'!A0",
            "1e400",
            "NaN",
            "-Infinity",
            "9" * 400,
            "\u202e",
            "medansatria\x00",
        ]
    ),
)
FIELDS = [
    "service_code",
    "lat",
    "long",
    "description",
    "media_url",
    "email",
    "phone",
    "address_string",
    "jurisdiction_id",
    "attribute[volume]",
    "first_name",
]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
def test_hostile_form_values_are_4xx_in_the_spec_format(app, partner, field, value):
    base = {
        "jurisdiction_id": OWN,
        "api_key": partner,
        "service_code": "sampah",
        "description": "Sampah menumpuk di sudut pasar",
        **INSIDE,
    }
    r = app.test_client().post(
        "/open311/v2/requests.json",
        data={**base, field: value},
        environ_base={"REMOTE_ADDR": f"10.1.{len(value) % 250}.{ord(field[0])}"},
    )
    assert r.status_code in (201, 400, 403, 404, 422, 429), r.get_data(as_text=True)
    body = r.get_json()
    if r.status_code != 201:
        assert body[0]["code"] == r.status_code and body[0]["description"]
