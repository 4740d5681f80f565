"""The public photo: faces and plates blurred, boxes a reviewer adds or removes.

One path for officers' photos (table photo, kind `laporan`) and citizens' photos (table
complaint_photo, kind `pengaduan`): ids are UUIDs, so a photo id names one row of one of
the two tables and the caller never says which.

- The worker's derive step (k3zones.services.photos.derive) detects and writes the public
  copies beside the web image (`write_public`); the officer pipeline records the boxes in
  its own transaction (`record_detected`). A photo without a record (a citizen's photo, or
  one processed before this existed) gets one from `render_public`, queued by the sweep.
- A reviewer's box change is a row (audited by the session hook) and an outbox task that
  makes the public copies again from the web image and the active boxes.
- The unblurred web image stays for reviewers; the original is never touched.
"""

from __future__ import annotations

import enum
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import WKBElement
from geoalchemy2.shape import to_shape
from PIL import Image
from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker

from k3zones import blur
from k3zones.errors import Conflict, FieldError, InvalidInput, NotFound
from k3zones.geo import to_geojson
from k3zones.models import (
    AuditLog,
    AuthSession,
    Complaint,
    ComplaintPhoto,
    ComplaintTransition,
    Photo,
    PhotoBlurBox,
    PhotoOriginalRead,
    PhotoPublic,
    PhotoStatus,
    Report,
    RetentionTombstone,
    TeamMembership,
    User,
)
from k3zones.outbox import enqueue
from k3zones.periods import now_utc
from k3zones.principal import Principal
from k3zones.services.retention import blank_contact
from k3zones.storage import ObjectMissing, Storage

RENDER_TASK = "workers.tasks.render_public_photo"
DETECTOR = "opencv haar: " + ", ".join(f for _, f, _ in blur.CASCADES)
MAX_BOXES = 50  # per photo, manual ones: more is a mistake, not a photo
LAPORAN, PENGADUAN = "laporan", "pengaduan"


def write_public(storage: Storage, web_key: str, web_jpeg: bytes) -> blur.PublicCopy:
    """Detect faces and plates in the web image and write the public copies beside it.
    Worker only (OpenCV). The boxes returned are the padded ones that were blurred."""
    with Image.open(io.BytesIO(web_jpeg)) as img:
        width, height = img.size
        found = blur.detect(img)
    boxes = tuple(blur.padded(b, width, height) for b in found)
    _put(storage, web_key, web_jpeg, list(boxes))
    return blur.PublicCopy(width, height, boxes)


def _put(storage: Storage, web_key: str, web_jpeg: bytes, boxes: list[blur.Box]) -> None:
    pub, thumb = blur.public_images(web_jpeg, boxes)
    key, thumb_key = blur.public_keys(web_key)
    storage.put_bytes(key, pub, "image/jpeg")
    storage.put_bytes(thumb_key, thumb, "image/jpeg")


def record_detected(
    s: Session,
    kind: str,
    photo_id: uuid.UUID,
    kecamatan_id: int,
    web_key: str,
    public: blur.PublicCopy | None,
) -> None:
    """In the caller's transaction: the detector's boxes and the public copies' record.
    Boxes of an earlier version of the photo (a failed photo sent again) are retired."""
    if public is None:
        return
    now = now_utc()
    for old in s.scalars(
        select(PhotoBlurBox).where(
            PhotoBlurBox.photo_id == photo_id, PhotoBlurBox.removed_at.is_(None)
        )
    ):
        old.removed_at = now
    for b in public.boxes:
        s.add(
            PhotoBlurBox(
                kecamatan_id=kecamatan_id,
                photo_id=photo_id,
                photo_kind=kind,
                source="deteksi",
                detector=(b.detector or "")[:100] or None,
                score=Decimal(str(b.score)) if b.score is not None else None,
                x=b.x,
                y=b.y,
                w=b.w,
                h=b.h,
            )
        )
    key, thumb_key = blur.public_keys(web_key)
    row = s.get(PhotoPublic, photo_id)
    if row is None:
        row = PhotoPublic(photo_id=photo_id, photo_kind=kind, kecamatan_id=kecamatan_id)
        s.add(row)
    row.public_key, row.public_thumb_key = key, thumb_key
    row.web_width, row.web_height = public.width, public.height
    row.detector = DETECTOR
    row.detected_at = row.made_at = now
    row.boxes = len(public.boxes)


def public_key(s: Session, photo_id: uuid.UUID, web_key: str, variant: str) -> str:
    """Storage key of the public copy (web or thumb) of a processed photo. Its record when
    there is one; otherwise the name derive gives it (written with the web image)."""
    row = s.get(PhotoPublic, photo_id)
    if row is not None:
        return row.public_thumb_key if variant == "thumb" else row.public_key
    key, thumb_key = blur.public_keys(web_key)
    return thumb_key if variant == "thumb" else key


def deleted_by_retention(s: Session, entity: str, photo_id: uuid.UUID, variant: str) -> str | None:
    """Why a photo's file is gone (its retention tombstone), or None while it is kept."""
    category = "asli" if variant == "original" else "turunan"
    stone = s.scalar(
        select(RetentionTombstone).where(
            RetentionTombstone.entity == entity,
            RetentionTombstone.entity_id == str(photo_id),
            RetentionTombstone.category == category,
        )
    )
    if stone is None:
        return None
    return (
        f"Berkas foto ini sudah dihapus sesuai jadwal retensi pada "
        f"{stone.deleted_at:%Y-%m-%d}; hash SHA-256 aslinya tetap tercatat ({stone.sha256})."
    )


def recorded_public_key(s: Session, photo_id: uuid.UUID, variant: str) -> str | None:
    """The public copy's key (web or thumb) once its record exists, else None."""
    row = s.get(PhotoPublic, photo_id)
    if row is None:
        return None
    return row.public_thumb_key if variant == "thumb" else row.public_key


# --- which photo ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    kind: str
    kecamatan_id: int
    web_key: str | None
    status: PhotoStatus


def _target(s: Session, photo_id: uuid.UUID) -> _Target | None:
    p = s.get(Photo, photo_id)
    if p is not None:
        return _Target(LAPORAN, p.kecamatan_id, p.web_key, p.status)
    c = s.get(ComplaintPhoto, photo_id)
    if c is not None:
        return _Target(PENGADUAN, c.kecamatan_id, c.web_key, c.status)
    return None


def _reviewable(s: Session, caller: Principal, photo_id: uuid.UUID) -> _Target:
    t = _target(s, photo_id)
    if t is None or not caller.scope.allows(t.kecamatan_id):
        raise NotFound("Foto tidak ditemukan.")
    return t


# --- reviewers' view and boxes ----------------------------------------------------------


def _box_dict(b: PhotoBlurBox) -> dict[str, Any]:
    return {
        "id": b.id,
        "source": b.source,
        "detector": b.detector,
        "score": float(b.score) if b.score is not None else None,
        "x": b.x,
        "y": b.y,
        "w": b.w,
        "h": b.h,
        "created_at": b.created_at,
        "created_by": b.created_by,
    }


def _view(s: Session, photo_id: uuid.UUID, t: _Target) -> dict[str, Any]:
    row = s.get(PhotoPublic, photo_id)
    boxes = s.scalars(
        select(PhotoBlurBox)
        .where(PhotoBlurBox.photo_id == photo_id, PhotoBlurBox.removed_at.is_(None))
        .order_by(PhotoBlurBox.id)
    )
    return {
        "photo_id": photo_id,
        "kind": t.kind,
        "width": row.web_width if row else None,
        "height": row.web_height if row else None,
        "detector": row.detector if row else None,
        "made_at": row.made_at if row else None,
        "boxes": [_box_dict(b) for b in boxes],
    }


def get_boxes(uow: sessionmaker[Session], caller: Principal, photo_id: uuid.UUID) -> dict[str, Any]:
    """The public copy's boxes (active ones) and the web image's size they live in."""
    with uow() as s:
        return _view(s, photo_id, _reviewable(s, caller, photo_id))


def _ready(s: Session, photo_id: uuid.UUID, t: _Target) -> PhotoPublic:
    row = s.get(PhotoPublic, photo_id)
    if t.status != PhotoStatus.DIPROSES or t.web_key is None or row is None:
        raise Conflict(
            "Foto belum selesai diproses dan disamarkan; coba lagi sebentar lagi.",
        )
    return row


def add_box(
    uow: sessionmaker[Session],
    caller: Principal,
    photo_id: uuid.UUID,
    x: int,
    y: int,
    w: int,
    h: int,
) -> dict[str, Any]:
    """A reviewer's box, in the web image's pixels; the public copies are made again."""
    with uow() as s, s.begin():
        t = _reviewable(s, caller, photo_id)
        row = _ready(s, photo_id, t)
        box = blur.Box(x, y, w, h)
        if not box.inside(row.web_width, row.web_height):
            raise InvalidInput(
                "Kotak samaran harus berada di dalam gambar.",
                [
                    FieldError(
                        ("w",) if x + w > row.web_width else ("h",),
                        f"Kotak harus di dalam gambar {row.web_width}x{row.web_height} piksel "
                        "(x + w dan y + h tidak melebihi ukuran gambar).",
                    )
                ],
            )
        manual = s.scalars(
            select(PhotoBlurBox.id).where(
                PhotoBlurBox.photo_id == photo_id,
                PhotoBlurBox.source == "manual",
                PhotoBlurBox.removed_at.is_(None),
            )
        ).all()
        if len(manual) >= MAX_BOXES:
            raise Conflict(f"Paling banyak {MAX_BOXES} kotak samaran manual per foto.")
        s.add(
            PhotoBlurBox(
                kecamatan_id=t.kecamatan_id,
                photo_id=photo_id,
                photo_kind=t.kind,
                source="manual",
                x=x,
                y=y,
                w=w,
                h=h,
                created_by=caller.user_id,
            )
        )
        s.flush()
        _queue_render(s, photo_id)
        return _view(s, photo_id, t)


def remove_box(
    uow: sessionmaker[Session], caller: Principal, photo_id: uuid.UUID, box_id: int
) -> dict[str, Any]:
    """Take a box away (a detector's false alarm, or a reviewer's mistake); the row stays
    with who removed it and when, and the detector will not bring it back."""
    with uow() as s, s.begin():
        t = _reviewable(s, caller, photo_id)
        b = s.scalar(
            select(PhotoBlurBox)
            .where(
                PhotoBlurBox.id == box_id,
                PhotoBlurBox.photo_id == photo_id,
                PhotoBlurBox.removed_at.is_(None),
            )
            .with_for_update()
        )
        if b is None:
            raise NotFound("Kotak samaran tidak ditemukan pada foto ini.")
        b.removed_at = now_utc()
        b.removed_by = caller.user_id
        s.flush()
        _queue_render(s, photo_id)
        return _view(s, photo_id, t)


def _queue_render(s: Session, photo_id: uuid.UUID) -> None:
    enqueue(s, RENDER_TASK, {"photo_id": str(photo_id)}, dedup_key=f"publik:{photo_id}")


# --- worker -------------------------------------------------------------------------------


def render_public(uow: sessionmaker[Session], storage: Storage, photo_id: uuid.UUID) -> str:
    """Make a photo's public copies again from its web image and its active boxes. A photo
    without a record yet is run through the detector first. Idempotent."""
    with uow() as s:
        t = _target(s, photo_id)
        if t is None:
            return "hilang"
        if t.status != PhotoStatus.DIPROSES or t.web_key is None:
            return "belum"
        web_key = t.web_key
        recorded = s.get(PhotoPublic, photo_id) is not None
    try:
        web = storage.get_bytes(web_key)
    except ObjectMissing:
        return "tanpa-berkas"  # removed by retention: nothing public to make (no retry)
    if not recorded:
        public = write_public(storage, web_key, web)
        with uow() as s, s.begin():
            if s.get(PhotoPublic, photo_id) is None:
                record_detected(s, t.kind, photo_id, t.kecamatan_id, web_key, public)
                return "dideteksi"
    with uow() as s, s.begin():
        row = s.scalar(
            select(PhotoPublic).where(PhotoPublic.photo_id == photo_id).with_for_update()
        )
        assert row is not None
        boxes = [
            blur.Box(b.x, b.y, b.w, b.h)
            for b in s.scalars(
                select(PhotoBlurBox).where(
                    PhotoBlurBox.photo_id == photo_id, PhotoBlurBox.removed_at.is_(None)
                )
            )
        ]
        # Under the row lock: two renders of one photo write one after the other, and the
        # later one sees every box committed before it.
        _put(storage, web_key, web, boxes)
        row.made_at = now_utc()
        row.boxes = len(boxes)
    return "dibuat"


def sweep_public(uow: sessionmaker[Session], limit: int = 200) -> int:
    """Processed photos without a public record (citizens' photos, photos processed before
    blurring existed, a lost task): queue their render. Returns how many were queued."""
    with uow() as s, s.begin():
        ids: list[uuid.UUID] = []
        for model in (Photo, ComplaintPhoto):
            ids += s.scalars(
                select(model.id)
                .where(
                    model.status == PhotoStatus.DIPROSES,
                    model.web_key.is_not(None),
                    ~select(PhotoPublic.photo_id).where(PhotoPublic.photo_id == model.id).exists(),
                )
                .limit(limit)
            ).all()
        for pid in ids:
            _queue_render(s, pid)
        return len(ids)


def made_at(s: Session, photo_id: uuid.UUID) -> datetime | None:
    """When the public copies were last made (None: not yet recorded)."""
    row = s.get(PhotoPublic, photo_id)
    return row.made_at if row else None


# --- rights: everything about one person, and erasing a complainant's contact -------------

SECRET_COLUMNS = {"password_hash", "token_hash", "phash_bands"}
EXPORT_LIMIT = 10_000  # rows per table; an officer's years of audit rows stay readable


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, WKBElement):
        return json.dumps(to_geojson(to_shape(value)), sort_keys=True)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _rows(objs: Any) -> list[dict[str, str | None]]:
    out = []
    for obj in objs:
        cols = inspect(obj).mapper.column_attrs
        out.append({c.key: _text(getattr(obj, c.key)) for c in cols if c.key not in SECRET_COLUMNS})
    return out


def _section(table: str, objs: Any) -> dict[str, Any]:
    rows = _rows(objs)
    return {"table": table, "count": len(rows), "rows": rows}


def export_person(
    uow: sessionmaker[Session],
    caller: Principal,
    user_id: uuid.UUID | None = None,
    complaint_code: str | None = None,
) -> dict[str, Any]:
    """All data kept about one officer (user_id) or one complainant (a complaint code, and
    the caller's other complaints with the same phone or e-mail), as rows per table."""
    if (user_id is None) == (complaint_code is None):
        raise InvalidInput(
            "Isi tepat satu: user_id atau complaint_code.",
            [FieldError(("user_id",), "Isi user_id atau complaint_code, tidak keduanya.")],
        )
    with uow() as s:
        if user_id is not None:
            return _export_user(s, caller, user_id)
        assert complaint_code is not None
        return _export_complainant(s, caller, complaint_code)


def _q(s: Session, stmt: Any) -> list[Any]:
    return list(s.scalars(stmt.limit(EXPORT_LIMIT)))


def _export_user(s: Session, caller: Principal, user_id: uuid.UUID) -> dict[str, Any]:
    u = s.get(User, user_id)
    if u is None or u.kecamatan_id is None or not caller.scope.allows(u.kecamatan_id):
        raise NotFound("Pengguna tidak ditemukan.")
    reports = _q(s, select(Report).where(Report.officer_id == user_id).order_by(Report.started_at))
    report_ids = [r.id for r in reports]
    sections = [
        _section("app_user", [u]),
        _section(
            "team_membership",
            _q(s, select(TeamMembership).where(TeamMembership.user_id == user_id)),
        ),
        _section("auth_session", _q(s, select(AuthSession).where(AuthSession.user_id == user_id))),
        _section("report", reports),
        _section(
            "photo",
            _q(s, select(Photo).where(Photo.report_id.in_(report_ids)).order_by(Photo.id)),
        ),
        _section(
            "photo_original_read",
            _q(
                s,
                select(PhotoOriginalRead)
                .where(PhotoOriginalRead.user_id == user_id)
                .order_by(PhotoOriginalRead.id),
            ),
        ),
        _section(
            "audit_log",
            _q(s, select(AuditLog).where(AuditLog.actor_id == user_id).order_by(AuditLog.id)),
        ),
    ]
    return {
        "subject": {"kind": "petugas", "id": str(user_id), "kecamatan_id": u.kecamatan_id},
        "generated_at": now_utc(),
        "sections": sections,
    }


def _complaints_of(s: Session, caller: Principal, code: str) -> list[Complaint]:
    c = s.scalar(select(Complaint).where(Complaint.code == code.strip().upper()))
    if c is None or not caller.scope.allows(c.kecamatan_id):
        raise NotFound("Pengaduan tidak ditemukan.")
    same = [Complaint.id == c.id]
    if c.reporter_phone:
        same.append(Complaint.reporter_phone == c.reporter_phone)
    if c.reporter_email:
        same.append(func.lower(Complaint.reporter_email) == c.reporter_email.lower())
    return _q(
        s,
        select(Complaint)
        .where(or_(*same), caller.scope.clause(Complaint.kecamatan_id))
        .order_by(Complaint.received_at, Complaint.id),
    )


def _export_complainant(s: Session, caller: Principal, code: str) -> dict[str, Any]:
    complaints = _complaints_of(s, caller, code)
    ids = [c.id for c in complaints]
    sections = [
        _section("complaint", complaints),
        _section(
            "complaint_transition",
            _q(
                s,
                select(ComplaintTransition)
                .where(ComplaintTransition.complaint_id.in_(ids))
                .order_by(ComplaintTransition.id),
            ),
        ),
        _section(
            "complaint_photo",
            _q(
                s,
                select(ComplaintPhoto)
                .where(ComplaintPhoto.complaint_id.in_(ids))
                .order_by(ComplaintPhoto.id),
            ),
        ),
        _section(
            "retention_tombstone",
            _q(
                s,
                select(RetentionTombstone)
                .where(
                    RetentionTombstone.entity == "complaint",
                    RetentionTombstone.entity_id.in_([str(i) for i in ids]),
                )
                .order_by(RetentionTombstone.id),
            ),
        ),
    ]
    first = complaints[0] if complaints else None
    return {
        "subject": {
            "kind": "pelapor",
            "id": code.strip().upper(),
            "kecamatan_id": first.kecamatan_id if first else None,
        },
        "generated_at": now_utc(),
        "sections": sections,
    }


def erase_complainant(
    uow: sessionmaker[Session], caller: Principal, code: str, reason: str
) -> dict[str, Any]:
    """Blank a complainant's name, phone and e-mail on one complaint, at their request.
    The complaint, its code, history and photos (with their hashes) stay; a tombstone
    records when, why and by whom (the audit log records the tombstone)."""
    with uow() as s, s.begin():
        c = s.scalar(
            select(Complaint).where(Complaint.code == code.strip().upper()).with_for_update()
        )
        if c is None or not caller.scope.allows(c.kecamatan_id):
            raise NotFound("Pengaduan tidak ditemukan.")
        if c.reporter_name is None and c.reporter_phone is None and c.reporter_email is None:
            raise Conflict("Data kontak pelapor pengaduan ini sudah kosong atau sudah dihapus.")
        fields_blanked = [
            f
            for f, v in (
                ("reporter_name", c.reporter_name),
                ("reporter_phone", c.reporter_phone),
                ("reporter_email", c.reporter_email),
            )
            if v is not None
        ]
        cid, code_, kec = c.id, c.code, c.kecamatan_id
        s.expunge(c)  # blanked by a Core UPDATE: the audit hook must not copy old values
        blank_contact(s, cid)
        now = now_utc()
        exists = s.scalar(
            select(RetentionTombstone.id).where(
                RetentionTombstone.entity == "complaint",
                RetentionTombstone.entity_id == str(cid),
                RetentionTombstone.category == "kontak",
            )
        )
        if exists is None:
            s.add(
                RetentionTombstone(
                    kecamatan_id=kec,
                    category="kontak",
                    entity="complaint",
                    entity_id=str(cid),
                    sha256=None,
                    object_keys=[],
                    rows=0,
                    reason=f"permintaan penghapusan oleh pelapor ({code_}): {reason}"[:2000],
                    rule={"fields": fields_blanked, "by": str(caller.user_id)},
                    deleted_at=now,
                )
            )
        return {"code": code_, "erased": fields_blanked, "at": now}
