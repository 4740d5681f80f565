"""One request id per request: in the response header, the audit trail, and the outbox row
of the work it causes (from where the worker's task carries it, see
test_worker_observability.py)."""

from __future__ import annotations

from sqlalchemy import select

from k3zones.logging_setup import REQUEST_ID_KEY, current_request_id
from k3zones.models import AuditLog, Outbox
from tests.support.payloads import report
from tests.support.photos import jpeg_with_gps, put

PHOTO = jpeg_with_gps(-6.2072, 106.979)


def _payload_ids(uow) -> set[str | None]:  # type: ignore[no-untyped-def]
    with uow() as s:
        return {p.get(REQUEST_ID_KEY) for p in s.scalars(select(Outbox.payload))}


def test_the_id_made_for_a_request_is_the_one_its_work_carries(sample, login, uow):
    phone = login("demo.petugas")
    report_id = phone.post("/api/v1/reports", json=report(photos_expected=1)).get_json()["id"]
    r = put(phone, report_id, PHOTO)  # queues its processing
    assert r.status_code == 201, r.get_json()
    rid = r.headers["X-Request-ID"]
    assert len(rid) == 32  # none sent: one made up
    assert _payload_ids(uow) == {rid}
    with uow() as s:
        assert rid in set(s.scalars(select(AuditLog.request_id)))
    # Nothing stays bound after the request (the next one, or a test, starts clean).
    assert current_request_id() is None


def test_a_clients_id_is_kept_unless_it_is_not_a_plain_token(sample, login, uow):
    phone = login("demo.petugas")
    report_id = phone.post("/api/v1/reports", json=report(photos_expected=1)).get_json()["id"]
    r = put(phone, report_id, PHOTO, headers={"X-Request-ID": "hp-7f3a.01"})
    assert r.headers["X-Request-ID"] == "hp-7f3a.01"
    assert _payload_ids(uow) == {"hp-7f3a.01"}
    for hostile in ('a"b', "x" * 65, "<script>", "=cmd|x", "a b"):
        r = phone.get("/api/v1/zones", headers={"X-Request-ID": hostile})
        assert r.status_code == 200
        assert r.headers["X-Request-ID"] != hostile and len(r.headers["X-Request-ID"]) == 32
