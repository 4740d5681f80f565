"""Reports from phones on weak networks: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from tests.conftest import count
from tests.integration.helpers import assert_problem

SULTAN_AGUNG = [106.9790, -6.2072]  # on the sample Jl. Sultan Agung line


def report(**over: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "type": "patroli",
        "started_at": "2024-05-02T08:15:00+07:00",
        "ended_at": "2024-05-02T09:00:00+07:00",
        "location": {"type": "Point", "coordinates": SULTAN_AGUNG},
        "accuracy_m": 8,
        "findings": [{"kind": "pkl", "count": 3, "notes": "di trotoar"}],
        "notes": "Patroli pagi",
        "photos_expected": 1,
    }
    body.update(over)
    return body


def test_report_is_matched_to_the_zone_by_gps(sample, login):
    phone = login("demo.petugas")
    r = phone.post("/api/v1/reports", json=report())
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["zone"] == "Jl. Sultan Agung" and body["zone_match"] == "gps"
    assert body["status"] == "menunggu_foto" and body["review_state"] == "menunggu"
    assert body["period"] == "2024-05-02" and body["started_at"] == "2024-05-02T08:15:00+07:00"
    assert body["violation_total"] == 3 and body["flags"] == {}
    assert phone.get(r.headers["Location"]).get_json()["id"] == body["id"]


def test_same_report_sent_again_is_the_first_answer(sample, login, engine):
    phone = login("demo.petugas")
    body = report()
    first = phone.post("/api/v1/reports", json=body)
    again = phone.post("/api/v1/reports", data=json.dumps(body, indent=2, sort_keys=True),
                       content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = {**body, "notes": "lain"}
    assert_problem(phone.post("/api/v1/reports", json=changed), 422, "isi berbeda")
    assert count(engine, "report") == 1


def test_idempotency_key_header(sample, login, engine):
    phone = login("demo.petugas")
    body = report()
    h = {"Idempotency-Key": "kirim-77"}
    a = phone.post("/api/v1/reports", json=body, headers=h)
    b = phone.post("/api/v1/reports", json=body, headers=h)
    assert a.get_json() == b.get_json()
    assert_problem(phone.post("/api/v1/reports", json=report(), headers=h), 422, "isi berbeda")
    assert count(engine, "report") == 1


def test_twenty_concurrent_copies_make_one_report(app, sample, login, engine):
    from tests.conftest import login_client

    body = report()
    token = login("demo.petugas").environ_base["HTTP_AUTHORIZATION"]
    results: list[Any] = []

    def send() -> None:
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = token
        results.append(c.post("/api/v1/reports", json=body))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [201] * 20
    assert len({json.dumps(r.get_json(), sort_keys=True) for r in results}) == 1
    assert count(engine, "report") == 1
    del login_client


def test_offline_report_days_old_counts_in_its_own_period(sample, login):
    phone = login("demo.petugas")
    r = phone.post("/api/v1/reports", json=report(started_at="2024-01-31T23:59:00+07:00",
                                                  ended_at="2024-02-01T00:30:00+07:00"))
    assert r.status_code == 201
    assert r.get_json()["period"] == "2024-01-31"
    got = phone.get("/api/v1/reports?date_from=2024-01-31&date_to=2024-01-31").get_json()
    assert [i["id"] for i in got["items"]] == [r.get_json()["id"]]
    assert phone.get("/api/v1/reports?date_from=2024-02-01").get_json()["items"] == []


def test_bad_reports_are_explained(sample, login, engine):
    phone = login("demo.petugas")
    cases = [
        (report(type="razia"), "patroli' atau 'penertiban"),
        (report(started_at="2024-05-02T08:15:00"), "zona waktu"),
        (report(ended_at="2024-05-02T07:00:00+07:00"), "sebelum waktu mulai"),
        (report(location={"type": "Point", "coordinates": [-6.2072, 106.979]}), "tertukar"),
        (report(location={"type": "Point", "coordinates": [200, -6.2]}), "Bujur 200"),
        (report(findings=[{"kind": "pkl", "count": -2}]), "kurang dari nol"),
        (report(findings=[{"kind": "asongan", "count": 1}]), "tidak dikenal"),
        (report(actions=[{"kind": "penyitaan", "count": 1}]), "hanya dicatat pada laporan"),
        (report(photos_expected=11), "0 sampai 10"),
        (report(accuracy_m="baik"), "Akurasi"),
        (report(id="bukan-uuid"), "UUID"),
        (report(zone_id=str(uuid.uuid4())), "Zona tidak ditemukan"),
        (report(team_id=str(uuid.uuid4())), "bukan anggota"),
        (report(review_state="diterima"), "Kolom tidak dikenal"),
    ]
    for body, words in cases:
        assert_problem(phone.post("/api/v1/reports", json=body), 422, words)
    assert count(engine, "report") == 0


def test_only_field_roles_file_reports(sample, login):
    assert_problem(login("demo.pimpinan").post("/api/v1/reports", json=report()), 403)
    assert_problem(login("demo.kota").post("/api/v1/reports", json=report()), 403)
