"""Row scope is the services' own rule, not only the views': every use case called directly
with another kecamatan's scope (or caller) finds nothing of Medansatria and changes
nothing. The HTTP side of the same rule is in test_permissions.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from k3zones.audit import SYSTEM, acting_as
from k3zones.errors import NotFound
from k3zones.models import (
    AssessmentRule,
    Decree,
    Kecamatan,
    RenstraTarget,
    Report,
    ReviewState,
    Role,
    Team,
    User,
    Zone,
)
from k3zones.periods import Period
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import (
    collect,
    decrees,
    indicator,
    report_views,
    reports,
    targets,
    teams,
    users,
    zone_status,
    zones,
)

OWN = "medansatria"


@pytest.fixture()
def other(uow: Any, sample_2024: Any) -> Kecamatan:
    """A neighbour kecamatan with nothing in it."""
    with acting_as(SYSTEM), uow() as s, s.begin():
        k = Kecamatan(slug="bekasiutara", name="Bekasi Utara", kota="Kota Bekasi")
        s.add(k)
    return k


def _one(uow: Any, q: Any) -> Any:
    with uow() as s:
        return s.scalar(q.limit(1))


def _count(uow: Any, model: Any) -> int:
    with uow() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _trantib_of(k: Kecamatan) -> Principal:
    return Principal(uuid.uuid4(), "trantib.lain", "Trantib Lain", Role.TRANTIB, k.id, k.slug, None)


def test_reads_with_another_kecamatans_scope_find_nothing(uow: Any, other: Kecamatan) -> None:
    scope = Scope.of(other.id)
    decree = _one(uow, select(Decree.id))
    zone = _one(uow, select(Zone.id))
    team = _one(uow, select(Team.id))
    user = _one(uow, select(User.id).where(User.kecamatan_id.is_not(None)))
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
    # Lists without a kecamatan named show only what the scope holds: nothing here.
    assert teams.list_teams(uow, scope) == []
    assert users.list_users(uow, scope) == []
    assert zones.list_zones(uow, scope, zones.ZoneFilter()) == []


def test_writes_with_another_kecamatans_scope_change_nothing(uow: Any, other: Kecamatan) -> None:
    scope = Scope.of(other.id)
    zone = _one(uow, select(Zone.id))
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
