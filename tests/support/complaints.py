"""Complaints as the permission matrix and the complaint tests need them: one fresh
complaint, partner key or notification in a kecamatan, made through the services."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from k3zones.audit import SYSTEM, acting_as
from k3zones.complaints import ComplaintInput, DuplicateRule
from k3zones.enums import ComplaintChannel
from k3zones.models import Complaint, ComplaintNotification, Kecamatan, PartnerKey
from k3zones.periods import now_utc
from k3zones.services import complaints
from k3zones.services.photos import spool
from tests.support.world import JPEG, POINT

NO_MERGE = DuplicateRule(max_m=-1.0)  # every test complaint stands alone


def complaint_input(kec: str, category: str = "pkl", **over: Any) -> ComplaintInput:
    lon, lat = POINT[kec]
    base: dict[str, Any] = {
        "category": category,
        "description": "PKL menutup trotoar di depan pasar",
        "lat": lat,
        "lon": lon,
        "address": None,
        "media_url": None,
        "name": "Warga Uji",
        "phone": "081200000000",
        "email": "warga@example.org",
    }
    base.update(over)
    return ComplaintInput(**base)


def new_complaint(app: Any, kec: str, category: str = "pkl") -> str:
    ctx = app.extensions["k3"]
    with acting_as(SYSTEM):
        done = complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(kec, category),
            channel=ComplaintChannel.FORMULIR,
            kecamatan_slug=kec,
            duplicate=NO_MERGE,
        )
    return str(done.id)


def new_partner_key(app: Any, kec: str) -> str:
    ctx = app.extensions["k3"]
    with ctx.uow() as s, s.begin():
        kid = s.scalar(select(Kecamatan.id).where(Kecamatan.slug == kec))
        k = PartnerKey(
            id=uuid.uuid4(),
            kecamatan_id=kid,
            name=f"Mitra {uuid.uuid4().hex[:6]}",
            key_prefix="k3p_uji",
            key_hash=uuid.uuid4().hex + uuid.uuid4().hex,
        )
        s.add(k)
    return str(k.id)


def overdue(app: Any, complaint_id: str, hours: int = 1) -> None:
    """Move a complaint's SLA due time into the past (as if the days had gone by)."""
    ctx = app.extensions["k3"]
    with ctx.uow() as s, s.begin():
        s.execute(
            update(Complaint)
            .where(Complaint.id == uuid.UUID(complaint_id))
            .values(sla_due_at=now_utc() - timedelta(hours=hours))
        )


def new_notification(app: Any, kec: str) -> int:
    cid = new_complaint(app, kec)
    overdue(app, cid)
    ctx = app.extensions["k3"]
    complaints.escalate_breaches(ctx.uow)
    with ctx.uow() as s:
        nid = s.scalar(
            select(ComplaintNotification.id).where(
                ComplaintNotification.complaint_id == uuid.UUID(cid)
            )
        )
        assert nid is not None
        return int(nid)


def new_complaint_photo(app: Any, kec: str, data: bytes = JPEG) -> str:
    """A complaint with one photo (as sent, EXIF and GPS in it); the photo's id."""
    ctx = app.extensions["k3"]
    up = spool(io.BytesIO(data), 10**8)
    assert up is not None
    with acting_as(SYSTEM):
        done = complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(kec),
            channel=ComplaintChannel.FORMULIR,
            kecamatan_slug=kec,
            photos=[complaints.check_photo(up)],
            duplicate=NO_MERGE,
        )
    return str(done.photo_ids[0])


def intake_body(kec: str, **over: Any) -> dict[str, Any]:
    """POST /api/v1/complaints as Seksi Trantib records a phone call."""
    lon, lat = POINT[kec]
    body: dict[str, Any] = {
        "kecamatan": kec,
        "category": "pkl",
        "description": "Warga menelepon: PKL menutup trotoar di depan pasar",
        "channel": "telepon",
        "lat": lat,
        "lon": lon,
        "reporter_name": "Ibu Sari",
        "reporter_phone": "0812 3456 7890",
    }
    body.update(over)
    return body
