"""Teams and membership over time."""

from tests.support.http import assert_problem


def test_three_pillar_team_needs_its_three_units(sample, login):
    trantib = login("demo.trantib")
    assert_problem(
        trantib.post(
            "/api/v1/teams",
            json={"name": "Tim Gabungan", "kind": "tiga_pilar", "units": ["kecamatan", "polsek"]},
        ),
        422,
        "koramil",
    )
    assert_problem(
        trantib.post(
            "/api/v1/teams",
            json={"name": "Tim Gabungan", "kind": "tiga_pilar", "units": ["kecamatan", "tni"]},
        ),
        422,
        "polsek, koramil",
    )
    r = trantib.post(
        "/api/v1/teams",
        json={
            "name": "Tim Gabungan",
            "kind": "tiga_pilar",
            "units": ["koramil", "polsek", "kecamatan", "kecamatan"],
        },
    )
    assert r.status_code == 201 and r.get_json()["units"] == ["kecamatan", "koramil", "polsek"]
    assert_problem(
        trantib.post("/api/v1/teams", json={"name": "Tim Gabungan", "kind": "dlh"}),
        409,
        "sudah ada",
    )


def test_membership_keeps_its_dates_after_leaving(sample, login):
    trantib = login("demo.trantib")
    officer = login("demo.petugas2").tokens["user"]
    team = trantib.post("/api/v1/teams", json={"name": "Tim Kebersihan", "kind": "dlh"})
    tid = team.get_json()["id"]
    r = trantib.post(
        f"/api/v1/teams/{tid}/members", json={"user_id": officer["id"], "joined_on": "2024-03-01"}
    )
    assert r.status_code == 201
    [m] = r.get_json()["members"]
    assert m["joined_on"] == "2024-03-01" and m["left_on"] is None
    assert_problem(
        trantib.post(f"/api/v1/teams/{tid}/members", json={"user_id": officer["id"]}),
        409,
        "sudah menjadi anggota",
    )
    assert_problem(
        trantib.post(f"/api/v1/teams/{tid}/members/{m['id']}/end", json={"left_on": "2024-02-01"}),
        422,
        "sebelum tanggal bergabung",
    )
    r = trantib.post(f"/api/v1/teams/{tid}/members/{m['id']}/end", json={"left_on": "2024-09-30"})
    assert r.status_code == 200
    assert trantib.get(f"/api/v1/teams/{tid}").get_json()["members"] == []
    [old] = trantib.get(f"/api/v1/teams/{tid}?history=true").get_json()["members"]
    assert (old["joined_on"], old["left_on"]) == ("2024-03-01", "2024-09-30")
    # Rejoining later opens a new period beside the old one.
    trantib.post(f"/api/v1/teams/{tid}/members", json={"user_id": officer["id"]})
    assert len(trantib.get(f"/api/v1/teams/{tid}?history=true").get_json()["members"]) == 2
