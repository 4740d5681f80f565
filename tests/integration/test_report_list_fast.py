"""The report list and the map's reports (GET /api/v1/reports, JSON and GeoJSON) are built
from plain rows, not ORM objects, and the JSON page is not dumped through its schema
(bench/scale.py: the map view); nor is the report POST's answer (bench/post.py). The
answer must stay byte for byte what the ORM path (report_dict, the names,
sees_officer_name) dumped through ReportPageSchema gave, for every reader: officers'
names, teams, zones, offsets, hostile text, reviews, versions."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from api.schemas.reports import ReportFeatureCollectionSchema, ReportPageSchema, ReportSchema
from k3zones.models import Report, User
from k3zones.principal import Principal
from k3zones.services.report_views import names, report_dict, sees_officer_name, visible
from tests.support.http import login_client
from tests.support.payloads import SULTAN_AGUNG, report
from tests.support.photos import jpeg_with_gps, put
from tests.support.strategies import UNIT_PHASES
from tests.support.world import World

READERS = [
    "demo.petugas",
    "demo.petugas2",
    "demo.trantib",
    "demo.pimpinan",
    "demo.admin",
    "demo.kota",
    "demo.admin_kota",
    "demo.bu.trantib",
]


def _reference(app: Any, caller: Principal, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The first page as the ORM path built it (before the list read plain rows)."""
    uow = app.extensions["k3"].uow
    with uow() as s:
        q = visible(select(Report), caller).order_by(Report.started_at.desc(), Report.id.desc())
        rows = list(s.scalars(q.limit(limit + 1)))
        page = rows[:limit]
        items = []
        for r in page:
            item = report_dict(r, **names(s, r))
            if sees_officer_name(caller, r.officer_id):
                item["officer_name"] = s.scalar(
                    select(User.full_name).where(User.id == r.officer_id)
                )
            items.append(item)
        cursor = None
        if len(rows) > limit:
            raw = f"{page[-1].started_at.isoformat()}|{page[-1].id}"
            cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return items, cursor


def _as_before(app: Any, items: list[dict[str, Any]], cursor: str | None) -> tuple[bytes, bytes]:
    """The JSON page (flask-smorest: jsonify of the schema's dump) and the GeoJSON
    collection (the view's own dumps) as they were written."""
    with app.app_context():
        page = app.json.response(ReportPageSchema().dump({"items": items, "next_cursor": cursor}))
        features = [
            {
                "type": "Feature",
                "id": i["id"],
                "geometry": i["location"],
                "properties": {k: v for k, v in i.items() if k not in ("location", "photos")},
            }
            for i in items
        ]
        fc = {"type": "FeatureCollection", "features": features, "next_cursor": cursor}
        return page.get_data(), app.json.dumps(fc).encode()


def _same_answers(app: Any, world: World, username: str, limit: int = 200) -> int:
    c = login_client(app, username)
    items, cursor = _reference(app, world.principal(username), limit)
    page, fc = _as_before(app, items, cursor)
    got = c.get(f"/api/v1/reports?limit={limit}")
    assert got.status_code == 200 and got.mimetype == "application/json"
    assert got.get_data() == page, username
    geo = c.get(f"/api/v1/reports?format=geojson&limit={limit}")
    assert geo.status_code == 200 and geo.mimetype == "application/geo+json"
    assert geo.get_data() == fc, username
    # What is sent is what the documented schemas describe, and nothing more.
    body = json.loads(page)
    assert ReportPageSchema().dump(body) == body
    collection = json.loads(fc)
    assert ReportFeatureCollectionSchema().dump(collection) == collection
    return len(items)


class _Posting:
    """A signed-in client whose report POSTs (and their replays) are checked against
    ReportSchema: the POST sends report_dict's body as it is, without the schema's dump."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, path: str, json: dict[str, Any]) -> Any:
        r = self.client.post(path, json=json)
        if r.status_code == 201:
            answer = r.get_json()
            assert ReportSchema().dump(answer) == answer
            again = self.client.post(path, json=json)
            assert again.headers["Idempotent-Replayed"] == "true"
            assert again.get_json() == answer  # the same JSON (JSONB keeps its own key order)
        return r

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_list_and_map_answer_as_the_orm_path_did(app, sample, login):
    world = World(app)
    phone, phone2 = _Posting(login("demo.petugas")), _Posting(login("demo.petugas2"))
    trantib = login("demo.trantib")
    hostile = report(
        started_at="2024-05-03T10:11:12.345678+05:45",
        ended_at=None,
        accuracy_m=None,
        location={"type": "Point", "coordinates": [106.97901234567891, -6.20720987654321]},
        notes='<b>x</b>\t"=1+1"\\ \u202eabc 😀 é\n</script>',
        findings=[{"kind": "pkl", "count": 2, "notes": '=HYPERLINK("http://x")'}],
    )
    assert phone.post("/api/v1/reports", json=hostile).status_code == 201
    team = next(
        t for t in phone2.get("/api/v1/me").get_json()["teams"] if t["team_kind"] == "tiga_pilar"
    )
    r = phone2.post("/api/v1/reports", json=report(team_id=team["team_id"], accuracy_m=7.25))
    assert r.status_code == 201
    far = report(location={"type": "Point", "coordinates": [106.9600, -6.2200]}, accuracy_m=120)
    assert phone.post("/api/v1/reports", json=far).get_json()["zone_id"] is None
    # A report with its photo received (lengkap), and one reviewed, then amended.
    photographed = report(started_at="2024-05-04T07:00:00-03:30", ended_at=None)
    rid = phone.post("/api/v1/reports", json=photographed).get_json()["id"]
    assert put(phone, rid, jpeg_with_gps(*reversed(SULTAN_AGUNG))).status_code == 201
    amended = report(started_at="2024-05-05T08:00:00+07:00", ended_at="2024-05-05T11:00:00+09:00")
    aid = phone.post("/api/v1/reports", json=amended).get_json()["id"]
    back = {"state": "perlu_perbaikan", "note": "Foto <i>kurang</i> =jelas"}
    assert trantib.post(f"/api/v1/reports/{aid}/review", json=back).status_code == 200
    assert (
        phone.patch(f"/api/v1/reports/{aid}", json=amended | {"notes": "baru"}).status_code == 200
    )
    # A penertiban with its actions, accepted.
    done = report(
        type="penertiban",
        started_at="2024-05-06T08:00:00+07:00",
        ended_at="2024-05-06T09:00:00+07:00",
        actions=[{"kind": "teguran_lisan", "count": 2}],
    )
    did = phone.post("/api/v1/reports", json=done).get_json()["id"]
    ok = {"state": "diterima", "note": None}
    assert trantib.post(f"/api/v1/reports/{did}/review", json=ok).status_code == 200
    items = trantib.get("/api/v1/reports").get_json()["items"]
    # The cases are there: a photo received, no zone, a team, a second version, flags,
    # an officer's name, actions, a reviewed report.
    assert {i["status"] for i in items} == {"lengkap", "menunggu_foto"}
    assert any(i["zone"] is None for i in items) and any(i["team"] for i in items)
    assert any(i["version"] == 2 for i in items) and any(i["flags"] for i in items)
    assert all(i["officer_name"] for i in items) and any(i["actions"] for i in items)
    assert any(i["review_state"] == "diterima" for i in items)
    seen = {u: _same_answers(app, world, u) for u in READERS}
    assert seen["demo.trantib"] == seen["demo.kota"] == seen["demo.petugas"] == 6
    assert seen["demo.petugas2"] == 1 and seen["demo.bu.trantib"] == 0
    # A short page: the same items and the same cursor.
    _same_answers(app, world, "demo.trantib", limit=3)


text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30
)


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    phases=UNIT_PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    notes=text,
    finding_notes=text,
    offset=st.integers(min_value=-12 * 60, max_value=14 * 60),
    micro=st.integers(min_value=0, max_value=999_999),
    dx=st.floats(min_value=-1e-3, max_value=1e-3),
    accuracy=st.none() | st.floats(min_value=0, max_value=100_000),
)
def test_hostile_reports_list_as_the_orm_path_did(
    app, sample, notes, finding_notes, offset, micro, dx, accuracy
):
    sign = "+" if offset >= 0 else "-"
    at = f"2024-05-02T08:15:00.{micro:06d}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    body = report(
        started_at=at,
        ended_at=None,
        notes=notes,
        findings=[{"kind": "pkl", "count": 1, "notes": finding_notes}],
        location={"type": "Point", "coordinates": [SULTAN_AGUNG[0] + dx, SULTAN_AGUNG[1] - dx]},
        accuracy_m=accuracy,
    )
    r = _Posting(login_client(app, "demo.petugas")).post("/api/v1/reports", json=body)
    assert r.status_code == 201, r.get_json()
    _same_answers(app, World(app), "demo.trantib")
