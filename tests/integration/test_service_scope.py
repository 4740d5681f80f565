"""Row scope is the services' own rule, not only the views': every use case called directly
with another kecamatan's scope (or caller) finds nothing of Medansatria and changes
nothing. The neighbour is the sample's Bekasi Utara (same kota, its own zones, team and
people); a kota caller reads both, a kota caller of another kota neither. The HTTP side of
the same rule is in test_permissions.py and test_onboarding.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from k3zones.audit import SYSTEM, acting_as
from k3zones.enums import ComplaintChannel
from k3zones.errors import NotFound
from k3zones.evidence import EvidenceRules
from k3zones.models import (
    AssessmentRule,
    Decree,
    Kecamatan,
    Kota,
    RenstraTarget,
    Report,
    ReviewState,
    Role,
    Team,
    User,
    Zone,
)
from k3zones.ogc import COLLECTIONS, LIMIT_MAX, ItemsQuery
from k3zones.periods import Period
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import (
    collect,
    complaints,
    decrees,
    indicator,
    ogc,
    report_views,
    reports,
    targets,
    teams,
    users,
    zone_status,
    zones,
)
from k3zones.services import exports as export_service
from k3zones.services.report_views import ReportFilter
from tests.support.complaints import NO_MERGE, complaint_input
from tests.support.world import World

OWN = "medansatria"
BU = "bekasiutara"
BU_POINT = (107.0250, -6.1700)  # Bekasi Utara's sample Contoh Zona Kuning 1


@pytest.fixture()
def other(uow: Any, sample_2024: Any) -> Kecamatan:
    """The neighbour: the sample's Bekasi Utara."""
    with uow() as s:
        k = s.scalar(select(Kecamatan).where(Kecamatan.slug == BU))
        assert k is not None
        return k


def _one(uow: Any, q: Any) -> Any:
    with uow() as s:
        return s.scalar(q.limit(1))


def _count(uow: Any, model: Any) -> int:
    with uow() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _trantib_of(k: Kecamatan) -> Principal:
    return Principal(uuid.uuid4(), "trantib.lain", "Trantib Lain", Role.TRANTIB, k.id, k.slug, None)


def _own(model: Any) -> Any:
    """A select of Medansatria's rows of a tenant table."""
    return select(model.id).where(
        model.kecamatan_id == select(Kecamatan.id).where(Kecamatan.slug == OWN).scalar_subquery()
    )


def test_reads_with_another_kecamatans_scope_find_nothing(uow: Any, other: Kecamatan) -> None:
    scope = Scope.of(other.id)
    decree = _one(uow, _own(Decree))
    zone = _one(uow, _own(Zone))
    team = _one(uow, _own(Team))
    user = _one(uow, _own(User))
    reads: list[Callable[[], Any]] = [
        lambda: decrees.get_decree(uow, scope, decree),
        lambda: decrees.list_decrees(uow, scope, kecamatan=OWN),
        lambda: zones.get_zone(uow, scope, zone),
        lambda: zones.monitoring_area(uow, scope, zone),
        lambda: zone_status.get_status(uow, scope, zone),
        lambda: zone_status.list_rules(uow, scope, OWN),
        lambda: indicator.indicator(uow, scope, [OWN], Period("year", 2024)),
        lambda: indicator.list_snapshots(uow, scope, OWN),
        lambda: targets.list_targets(uow, scope, OWN),
        lambda: teams.get_team(uow, scope, team),
        lambda: users.get_user(uow, scope, user),
        lambda: collect.zones_csv(uow, scope, OWN),
    ]
    for read in reads:
        with pytest.raises(NotFound):
            read()
    # Lists without a kecamatan named show only what the scope holds: Bekasi Utara's.
    assert {t.kecamatan for t in teams.list_teams(uow, scope)} == {BU}
    assert {u.kecamatan for u in users.list_users(uow, scope)} == {BU}
    assert {z.kecamatan for z in zones.list_zones(uow, scope, zones.ZoneFilter())} == {BU}


def test_writes_with_another_kecamatans_scope_change_nothing(uow: Any, other: Kecamatan) -> None:
    scope = Scope.of(other.id)
    zone = _one(uow, _own(Zone))
    rules_before = _count(uow, AssessmentRule)
    writes: list[Callable[[], Any]] = [
        lambda: zone_status.new_rules(uow, scope, OWN, 1, 14, 5, "bukan milik saya"),
        lambda: indicator.take_snapshot(uow, scope, OWN, Period("year", 2024)),
        lambda: targets.set_target(uow, scope, OWN, 2030, Decimal(99), None),
        lambda: zones.retire_zone(uow, scope, zone, "bukan milik saya"),
    ]
    for write in writes:
        with pytest.raises(NotFound):
            write()
    assert _count(uow, AssessmentRule) == rules_before
    with uow() as s:
        assert s.get(Zone, zone).active  # type: ignore[union-attr]
        assert s.get(RenstraTarget, (s.get(Zone, zone).kecamatan_id, 2030)) is None  # type: ignore[union-attr]


def test_a_reviewer_of_another_kecamatan_cannot_read_or_review_a_report(
    uow: Any, other: Kecamatan
) -> None:
    report = _one(uow, select(Report.id))
    assert report is not None, "the 2024 sample has reports"
    them = _trantib_of(other)
    with pytest.raises(NotFound):
        report_views.get_report(uow, them, report)
    with pytest.raises(NotFound):
        reports.review_report(uow, them, report, ReviewState.DITOLAK, "bukan wilayah saya")
    with uow() as s:
        assert s.get(Report, report).reviewed_by != them.user_id  # type: ignore[union-attr]


def _bu_report_and_complaint(app: Any, world: World) -> tuple[str, str]:
    """A patrol report by Bekasi Utara's officer and a citizen's complaint there."""
    body = {
        "id": str(uuid.uuid4()),
        "type": "patroli",
        "started_at": "2024-05-02T08:15:00+07:00",
        "location": {"type": "Point", "coordinates": list(BU_POINT)},
        "photos_expected": 0,
    }
    done = reports.submit_report(
        world.uow, EvidenceRules(), world.principal("demo.bu.petugas"), body
    )
    assert done is not None
    ctx = app.extensions["k3"]
    with acting_as(SYSTEM):
        c = complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(OWN, lat=BU_POINT[1], lon=BU_POINT[0]),
            channel=ComplaintChannel.FORMULIR,
            kecamatan_slug=BU,
            duplicate=NO_MERGE,
        )
    return body["id"], str(c.id)


def _seen(uow: Any, caller: Principal, report_id: str, complaint_id: str) -> dict[str, set[str]]:
    """Which kecamatan each read shows the caller, and whether it shows Bekasi Utara's."""
    kecs = {
        "zones": {z.kecamatan for z in zones.list_zones(uow, caller.scope, zones.ZoneFilter())},
        # The one report of Bekasi Utara is report_id; every other is Medansatria's.
        "reports": {
            BU if r["id"] == report_id else OWN
            for r in report_views.list_reports(uow, caller, ReportFilter())[0]
        },
        "complaints": {str(c["id"]) for c in complaints.list_complaints(uow, caller.scope).items},
        "ogc": {
            f["properties"]["kecamatan"]
            for f in ogc.items(
                uow, caller, None, COLLECTIONS["reports"], ItemsQuery(limit=LIMIT_MAX)
            ).features
        },
        "people": {u.kecamatan or "-" for u in users.list_users(uow, caller)},
        "indicator": {
            r.kecamatan for r in indicator.indicator(uow, caller.scope, None, Period("year", 2024))
        },
    }
    kecs["complaints"] = {BU} if complaint_id in kecs["complaints"] else set()
    return kecs


def test_medansatria_never_sees_bekasi_utara_and_kota_sees_both(
    app: Any, uow: Any, other: Any
) -> None:
    world = World(app)
    report_id, complaint_id = _bu_report_and_complaint(app, world)
    admin = world.principal("demo.admin")
    for what, seen in _seen(uow, admin, report_id, complaint_id).items():
        assert BU not in seen, what
    with pytest.raises(NotFound):
        report_views.get_report(uow, admin, uuid.UUID(report_id))
    with pytest.raises(NotFound):
        export_service.request_export(uow, admin, BU, Period("year", 2024), "csv")
    bu_admin = world.principal("demo.bu.admin")
    for what, seen in _seen(uow, bu_admin, report_id, complaint_id).items():
        assert OWN not in seen, what

    kota = world.principal("demo.kota")
    assert kota.scope.kecamatan_ids == frozenset({admin.kecamatan_id, other.id})
    both = _seen(uow, kota, report_id, complaint_id)
    assert both["zones"] == both["indicator"] == {OWN, BU}
    assert BU in both["reports"] and BU in both["ogc"] and both["complaints"] == {BU}


def test_a_kota_caller_of_another_kota_sees_neither(app: Any, uow: Any, other: Any) -> None:
    with acting_as(SYSTEM), uow() as s, s.begin():
        kota = Kota(kode="3171", name="Kota Uji", provinsi="Uji")
        s.add(kota)
        s.flush()
        s.add(
            User(
                id=uuid.uuid4(),
                username="kota.lain",
                full_name="Kota Lain",
                role=Role.KOTA,
                kota_id=kota.id,
                password_hash="x",
            )
        )
    far = World(app).principal("kota.lain")
    assert far.scope.kecamatan_ids == frozenset()
    assert zones.list_zones(uow, far.scope, zones.ZoneFilter()) == []
    assert report_views.list_reports(uow, far, ReportFilter())[0] == []
    assert indicator.indicator(uow, far.scope, None, Period("year", 2024)) == []
    with pytest.raises(NotFound):
        zones.list_zones(uow, far.scope, zones.ZoneFilter(kecamatan=OWN))
