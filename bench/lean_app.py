"""A reference `make bench WHAT=post` can add (K3_BENCH_LEAN=1): the report POST's work with
none of the app's layers, to split what the API costs above the floor into the work
itself and the layers around it.

    gunicorn --workers 4 bench.lean_app:app      (the app's K3_* settings)

The same work as the API for a report with no team, task or Idempotency-Key: the access
token and its session read from the database, the per-officer quota in Redis, the body
parsed and validated (k3zones.reports), its hash, the zone match and the INSERT of the
report with its audit row and chain entry (the app's own statements, k3zones.db.Compiled),
the evidence flags (k3zones.evidence) and the answer. Without: Flask hooks (request id,
metrics, policy, security headers), flask-smorest, the ORM and Session, the error pages.
Not a product path: a measuring stick, as bench/floor_app.py is.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import orjson
from flask import Flask, Response, request
from geoalchemy2.shape import from_shape
from redis import Redis
from sqlalchemy.engine import Engine

from api.quota import Quotas
from k3zones import auth, chain
from k3zones import plans as plan_rules
from k3zones.audit import NOISE_FIELDS, _insert_with_entry_stmt, _plain
from k3zones.db import make_autocommit_engine, run
from k3zones.evidence import EvidenceRules, report_flags, summarise
from k3zones.models import Report
from k3zones.periods import WIB, now_utc
from k3zones.reports import body_hash, parse_report
from k3zones.services.auth import _SESSION_CHECK
from k3zones.services.reports import _NEAREST_ZONE
from k3zones.settings import Settings

app = Flask(__name__)
settings = Settings.from_env()
rules = EvidenceRules()
SPEC = chain.SPECS_BY_TABLE["report"][0]
JSONB = ("findings", "actions", "flags", "first_response")
_per_process: dict[int, tuple[Engine, Quotas]] = {}


def _parts() -> tuple[Engine, Quotas]:
    # Made after gunicorn forks: a pool must not cross a fork.
    parts = _per_process.get(os.getpid())
    if parts is None:
        engine = make_autocommit_engine(settings.database_url, settings.statement_timeout_ms)
        parts = _per_process[os.getpid()] = (engine, Quotas(Redis.from_url(settings.redis_url)))
    return parts


@app.get("/healthz")
def healthz() -> Any:
    return {"ok": True}


@app.post("/report")
def report() -> Any:
    engine, quotas = _parts()
    claims = auth.read_access_token(
        settings.secret_key, request.headers.get("Authorization", "")[7:], now_utc()
    )
    with engine.connect() as c:
        found = run(c, _SESSION_CHECK, {"user_id": claims.user_id, "session_id": claims.session_id})
        if not found or found[0].revoked_at is not None or not found[0].active:
            return {"detail": "sesi tidak berlaku"}, 401
        user = found[0]
        quotas.take(settings.report_limit_per_officer, f"reports:{user.id}")
        body = orjson.loads(request.get_data())
        inp, errors = parse_report(body)
        if errors or inp.started_at is None or inp.location is None or inp.type is None:
            return {"detail": "laporan belum benar"}, 422
        at, day = inp.started_at, inp.started_at.astimezone(WIB).date()
        point = from_shape(inp.location, srid=4326, extended=True)
        zone = run(
            c,
            _NEAREST_ZONE,
            {
                "activity": inp.type.value,
                "day_from": day - timedelta(days=plan_rules.MAX_SPAN_DAYS + 1),
                "day": day,
                "at": at,
                "team_id": None,
                "officer_id": user.id,
                "kecamatan_id": user.kecamatan_id,
                "point": point,
            },
        )
        z = zone[0] if zone else None
        received = now_utc()
        accuracy = float(inp.accuracy_m) if inp.accuracy_m is not None else None
        flags = summarise(
            report_flags(
                rules,
                started_at=at,
                received_at=received,
                accuracy_m=accuracy,
                zone_matched=z is not None,
                zone_distance_m=0.0 if z else None,
            ),
            [],
        )
        v: dict[str, Any] = {
            "id": inp.id,
            "kecamatan_id": user.kecamatan_id,
            "type": inp.type.value,
            "officer_id": user.id,
            "units": [],
            "zone_id": z.id if z else None,
            "zone_match": "gps" if z else "none",
            "started_at": at,
            "started_offset_min": inp.started_offset_min,
            "ended_at": inp.ended_at,
            "ended_offset_min": inp.ended_offset_min,
            "received_at": received,
            "gps": point,
            "gps_accuracy_m": inp.accuracy_m,
            "findings": [i.as_dict() for i in inp.findings],
            "actions": [i.as_dict() for i in inp.actions],
            "violation_total": inp.violation_total,
            "photos_expected": inp.photos_expected,
            "photos_received": 0,
            "flags": flags,
            "review_state": "menunggu",
            "version": 1,
            "body_hash": body_hash(body),
            "source": "api",
        }
        answer = {
            "id": str(inp.id),
            "type": inp.type.value,
            "status": "menunggu_foto",
            "review_state": "menunggu",
            "version": 1,
            "officer_id": str(user.id),
            "officer": user.username,
            "officer_name": user.full_name,
            "zone_id": str(z.id) if z else None,
            "zone": z.name if z else None,
            "zone_match": v["zone_match"],
            "started_at": at.isoformat(),
            "ended_at": inp.ended_at.isoformat() if inp.ended_at else None,
            "received_at": received.isoformat(),
            "period": day.isoformat(),
            "location": {"type": "Point", "coordinates": [inp.location.x, inp.location.y]},
            "accuracy_m": accuracy,
            "findings": v["findings"],
            "actions": v["actions"],
            "violation_total": inp.violation_total,
            "notes": inp.notes,
            "photos_expected": inp.photos_expected,
            "photos_received": 0,
            "flags": flags,
            "source": "api",
        }
        v["first_response"] = answer
        row = SimpleNamespace(**v, team_id=None, notes=inp.notes)
        params = {f"v_{k}": x for k, x in v.items()} | {
            "a_kecamatan_id": user.kecamatan_id,
            "a_actor_id": user.id,
            "a_actor": user.username,
            "a_entity": "report",
            "a_entity_id": str(inp.id),
            "a_action": "create",
            "a_changes": {
                k: {"before": None, "after": _plain(x)}
                for k, x in v.items()
                if k not in NOISE_FIELDS
            },
            "a_request_id": uuid.uuid4().hex,
            "a_ip": request.remote_addr,
            "c0_kecamatan_id": user.kecamatan_id,
            "c0_kind": SPEC.kind.value,
            "c0_ref": str(inp.id),
            "c0_payload_hash": chain.content_hash(SPEC, row, {}),
        }
        run(c, _insert_with_entry_stmt(Report.__table__, frozenset(v), 1), params)
    return Response(orjson.dumps(answer), status=201, mimetype="application/json")
