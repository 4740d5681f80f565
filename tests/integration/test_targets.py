"""Renstra targets and the count of zones each one needs."""

from k3zones.periods import today_wib
from tests.support.http import assert_problem


def test_renstra_targets_of_medansatria_ask_for_3_4_4_zones(client, sample):
    rows = client.get("/api/v1/targets?kecamatan=medansatria").get_json()
    assert [
        (t["year"], t["target_pct"], t["zones_designated"], t["zones_needed"]) for t in rows
    ] == [(2024, 30, 10, 3), (2025, 35, 10, 4), (2026, 40, 10, 4)]


def test_set_a_target_and_read_it_back(client, sample):
    r = client.put("/api/v1/targets/2027?kecamatan=medansatria", json={"target_pct": 45.5})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["zones_needed"] == 5
    r = client.put("/api/v1/targets/2027?kecamatan=medansatria", json={"target_pct": 50})
    assert r.status_code == 200 and r.get_json()["target_pct"] == 50
    assert client.get("/api/v1/targets/2027?kecamatan=medansatria").get_json()["zones_needed"] == 5


def test_retiring_a_zone_changes_later_years_only(client, sample):
    this_year = today_wib().year
    client.put(f"/api/v1/targets/{this_year}?kecamatan=medansatria", json={"target_pct": 40})
    zid = client.get("/api/v1/zones?kategori=kuning").get_json()["features"][0]["id"]
    client.post(f"/api/v1/zones/{zid}/retire", json={"reason": "Dipindah ke SK baru"})
    by_year = {t["year"]: t for t in client.get("/api/v1/targets?kecamatan=medansatria").get_json()}
    # Retired today (2026 or later): 2024 and 2025 still had 10 zones designated.
    assert by_year[2024]["zones_designated"] == 10
    assert by_year[2025]["zones_designated"] == 10
    assert by_year[this_year]["zones_designated"] == 9


def test_bad_targets(client, sample, login):
    assert_problem(
        client.put("/api/v1/targets/2027?kecamatan=medansatria", json={"target_pct": 150}),
        422,
        "0 sampai 100",
    )
    assert_problem(
        client.put("/api/v1/targets/2027?kecamatan=medansatria", json={"target_pct": "tiga puluh"}),
        422,
        "angka",
    )
    assert_problem(client.put("/api/v1/targets/2027?kecamatan=medansatria", json={}), 422, "Wajib")
    assert_problem(
        client.put("/api/v1/targets/1999?kecamatan=medansatria", json={"target_pct": 30}),
        422,
        "2000-2100",
    )
    # The caller's own kecamatan is the default; a city-level user must name one.
    assert client.put("/api/v1/targets/2027", json={"target_pct": 30}).status_code == 201
    assert_problem(login("demo.kota").get("/api/v1/targets"), 422, "kecamatan")
    assert_problem(client.get("/api/v1/targets/2031?kecamatan=medansatria"), 404, "2031")
