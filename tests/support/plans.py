"""Patrol plans and tasks made on demand for the permission matrix and the plan tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from k3zones.enums import ReportType
from k3zones.periods import today_wib
from k3zones.services import plans
from tests.support.world import OWN, OWN_TEAM, World, uid


def plan_body(w: World, kec: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Patroli {uid()}",
        "rrule": "FREQ=DAILY",
        "activity": "patroli",
        "team_id": w.team(kec),
        "target": f"zona:{w.zone(kec)}",
        "window_start": "07:00",
        "window_end": "16:00",
    }
    return body | over


def plan(w: World, kec: str) -> str:
    b = plan_body(w, kec)
    view = plans.create_plan(
        w.uow,
        w.principal(w.reviewer(kec)),
        plans.PlanInput(
            name=b["name"],
            rrule=b["rrule"],
            activity=ReportType.PATROLI,
            team_id=uuid.UUID(b["team_id"]),
            target=b["target"],
            window_start=b["window_start"],
            window_end=b["window_end"],
        ),
    )
    return str(view.id)


def missed_task(w: World, kec: str, day: date | None = None) -> str:
    """An ad-hoc task of yesterday nobody reported on (terlewat), of the team demo.petugas
    is in when the kecamatan is the sample's."""
    team = w.team_id(OWN_TEAM) if kec == OWN else w.team(kec)
    t = plans.create_adhoc(
        w.uow,
        w.principal(w.reviewer(kec)),
        plans.AdhocInput(
            zone_id=uuid.UUID(w.zone(kec)),
            team_id=uuid.UUID(team),
            activity=ReportType.PATROLI,
            day=day or today_wib() - timedelta(days=1),
            window_start="07:00",
            window_end="09:00",
        ),
    )
    return str(t.id)
