"""GET /api/v1/labels: the one label table, cached by the browser for an hour."""

from __future__ import annotations

from k3zones.labels import LABELS


def test_every_role_reads_the_labels_with_an_etag(sample, login):
    c = login("demo.petugas")
    r = c.get("/api/v1/labels")
    assert r.status_code == 200
    body = r.get_json()
    assert body == LABELS
    assert body["enforcement_action"]["teguran_tertulis"] == "Teguran tertulis"
    assert body["review_state"]["menunggu"] == "Menunggu tinjauan"
    # Nothing in it is about the caller: the browser may keep it an hour (not no-store,
    # which every other signed-in JSON answer gets), never a shared cache.
    assert r.headers["Cache-Control"] == "private, max-age=3600"
    assert "no-store" in c.get("/api/v1/me").headers["Cache-Control"]
    etag = r.headers["ETag"]
    again = c.get("/api/v1/labels", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert login("demo.kota").get("/api/v1/labels").status_code == 200
