"""The complaints desk (pengaduan masyarakat): citizens' complaints come in (the /lapor form
or a partner app through Open311), Seksi Trantib triages them, a team is dispatched, the
team's report closes them. Every change of state is recorded with who and why.

Public readers (Open311, the status page) get public fields only: never the reporter's
name, phone or e-mail."""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from k3zones import complaints as rules
from k3zones import imaging
from k3zones.audit import current_actor
from k3zones.complaints import ComplaintInput, DuplicateRule, WorkCalendar
from k3zones.enums import (
    ComplaintChannel,
    ComplaintRejection,
    ComplaintState,
    PhotoStatus,
    ReportType,
    ReviewState,
    Role,
)
from k3zones.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from k3zones.evidence import EvidenceRules, photo_flags, unreadable_flag
from k3zones.models import (
    AuditLog,
    Complaint,
    ComplaintNotification,
    ComplaintPhoto,
    ComplaintSla,
    ComplaintTransition,
    IdempotencyRecord,
    Kecamatan,
    Kelurahan,
    PartnerKey,
    Report,
    Team,
    Zone,
)
from k3zones.outbox import enqueue
from k3zones.periods import WIB, Period, day_after, day_start, now_utc
from k3zones.principal import Principal
from k3zones.reports import body_hash
from k3zones.scope import Scope
from k3zones.services import photos as photo_service
from k3zones.services import privacy
from k3zones.services.photos import Upload
from k3zones.services.zone_status import complaint_moved
from k3zones.storage import Storage, StorageError

log = logging.getLogger(__name__)

S = ComplaintState
PROCESS_TASK = "workers.tasks.process_complaint_photo"
CALENDAR = WorkCalendar()
PAGE_MAX = 100


# --- partner keys ------------------------------------------------------------------------


def _hash_key(raw: str) -> str:
    # Keys are 32 random bytes: a plain SHA-256 is enough (no guessing to slow down).
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class PartnerKeyView:
    id: uuid.UUID
    kecamatan: str
    name: str
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    api_key: str | None = None  # only in the answer that issues it


def _key_view(k: PartnerKey, slug: str, raw: str | None = None) -> PartnerKeyView:
    return PartnerKeyView(
        k.id, slug, k.name, k.key_prefix, k.created_at, k.revoked_at, k.last_used_at, raw
    )


def issue_partner_key(uow: sessionmaker[Session], caller: Principal, name: str) -> PartnerKeyView:
    """A new api_key for a partner app of the caller's kecamatan; shown once."""
    if caller.kecamatan_id is None or caller.role != Role.ADMIN:
        raise Forbidden("Hanya admin kecamatan yang dapat menerbitkan kunci mitra.")
    clean = name.strip()
    if not clean:
        raise InvalidInput("Nama aplikasi mitra wajib diisi.", [FieldError(("name",), "Wajib.")])
    raw = "k3p_" + secrets.token_urlsafe(32)
    with uow() as s, s.begin():
        k = PartnerKey(
            id=uuid.uuid4(),
            kecamatan_id=caller.kecamatan_id,
            name=clean,
            key_prefix=raw[:12],
            key_hash=_hash_key(raw),
            created_by=caller.user_id,
        )
        s.add(k)
        s.flush()
        s.refresh(k)
        return _key_view(k, caller.kecamatan_slug or "", raw)


def list_partner_keys(uow: sessionmaker[Session], scope: Scope) -> list[PartnerKeyView]:
    with uow() as s:
        rows = s.execute(
            select(PartnerKey, Kecamatan.slug)
            .join(Kecamatan, Kecamatan.id == PartnerKey.kecamatan_id)
            .where(scope.clause(PartnerKey.kecamatan_id))
            .order_by(PartnerKey.created_at, PartnerKey.id)
        )
        return [_key_view(k, slug) for k, slug in rows]


def revoke_partner_key(
    uow: sessionmaker[Session], caller: Principal, key_id: uuid.UUID
) -> PartnerKeyView:
    with uow() as s, s.begin():
        k = s.scalar(select(PartnerKey).where(PartnerKey.id == key_id).with_for_update())
        if k is None or not caller.scope.allows(k.kecamatan_id):
            raise NotFound("Kunci mitra tidak ditemukan.")
        if k.revoked_at is None:
            k.revoked_at = now_utc()
            k.revoked_by = caller.user_id
        s.flush()
        slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == k.kecamatan_id)) or ""
        return _key_view(k, slug)


def _partner(s: Session, kecamatan_id: int, api_key: str | None) -> PartnerKey:
    if not api_key:
        raise Unauthenticated("api_key wajib diisi untuk mengirim laporan.")
    k = s.scalar(select(PartnerKey).where(PartnerKey.key_hash == _hash_key(api_key)))
    # The same answer for unknown, revoked and another kecamatan's key.
    if k is None or k.revoked_at is not None or k.kecamatan_id != kecamatan_id:
        raise Unauthenticated("api_key tidak dikenal atau sudah dicabut.")
    k.last_used_at = now_utc()
    return k


# --- submitting --------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoUpload:
    upload: Upload
    mime: str


def check_photo(upload: Upload) -> PhotoUpload:
    """Refuse what is not a photo before anything is stored."""
    if upload.size == 0:
        raise InvalidInput("Berkas foto kosong.", [FieldError(("media",), "Berkas kosong.")])
    head = upload.file.read(32)
    upload.file.seek(0)
    mime = imaging.sniff(head)
    if mime is None:
        raise Unsupported("Berkas bukan foto. Kirim foto JPEG, PNG, atau HEIC.")
    try:
        imaging.read_header(upload.file)
    except imaging.ImageRejected as exc:
        raise InvalidInput(str(exc), [FieldError(("media",), str(exc))]) from exc
    finally:
        upload.file.seek(0)
    return PhotoUpload(upload, mime)


@dataclass(frozen=True)
class Submitted:
    id: uuid.UUID
    code: str
    token: str
    kecamatan: str
    merged_into: str | None  # the code of the open complaint it was merged into
    photo_ids: list[uuid.UUID] = field(default_factory=list)
    replayed: bool = False  # staff intake: the answer to an earlier try (Idempotency-Key)


def _point(data: ComplaintInput) -> Any:
    if data.lat is None or data.lon is None:
        return None
    return from_shape(Point(data.lon, data.lat), srid=4326)


def _sql_point(point: Any) -> Any:
    # A bound WKBElement needs its type stated inside SQL functions (geography(...)).
    return type_coerce(point, Geometry("POINT", srid=4326))


def _find_kecamatan(s: Session, slug: str | None, point: Any) -> Kecamatan:
    if slug is not None:
        k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug))
        if k is None:
            raise NotFound("jurisdiction_id tidak dikenal.")
        if point is not None and k.extent is not None:
            inside = s.scalar(select(func.ST_Covers(k.extent, point)))
            if not inside:
                raise InvalidInput(
                    "Lokasi di luar wilayah kecamatan ini.",
                    [FieldError(("lat",), "Titik berada di luar wilayah kecamatan.")],
                )
        return k
    if point is None:
        raise InvalidInput(
            "Lokasi wajib diisi.", [FieldError(("lat",), "Pilih titik di peta atau pakai GPS.")]
        )
    k = s.scalar(
        select(Kecamatan)
        .where(Kecamatan.extent.is_not(None), func.ST_Covers(Kecamatan.extent, point))
        .order_by(Kecamatan.id)
        .limit(1)
    )
    if k is None:
        raise InvalidInput(
            "Lokasi di luar wilayah kecamatan yang dilayani.",
            [FieldError(("lat",), "Titik berada di luar semua wilayah kecamatan.")],
        )
    return k


def _overrides(s: Session, kecamatan_id: int) -> dict[tuple[str, str], int]:
    rows = s.execute(
        select(ComplaintSla.category, ComplaintSla.state, ComplaintSla.working_days).where(
            ComplaintSla.kecamatan_id == kecamatan_id
        )
    )
    return {(c, st): d for c, st, d in rows}


def _start_clock(s: Session, c: Complaint, state: ComplaintState, at: datetime) -> None:
    """Enter `state` at `at`: leaving the old state late marks the complaint late."""
    if c.sla_due_at is not None and at > c.sla_due_at:
        c.within_sla = False
    c.state = state
    c.state_since = at
    days = rules.sla_days(c.category, state, _overrides(s, c.kecamatan_id))
    c.sla_due_at = None if days is None else rules.add_working_days(CALENDAR, at, days)
    if state in rules.CLOSED:
        c.closed_at = at
    else:
        c.closed_at = None


def _record(
    s: Session,
    c: Complaint,
    src: ComplaintState | None,
    reason: str,
    public_note: str | None,
    at: datetime,
    who: str | None = None,
) -> None:
    actor = current_actor.get()
    s.add(
        ComplaintTransition(
            complaint_id=c.id,
            kecamatan_id=c.kecamatan_id,
            at=at,
            from_state=src.value if src else None,
            to_state=c.state.value,
            actor_id=actor.user_id if actor else None,
            actor=who or (actor.name if actor else "sistem"),
            reason=reason,
            public_note=public_note,
        )
    )


def _original_key(slug: str, at: datetime, cid: uuid.UUID, pid: uuid.UUID, sha: str) -> str:
    when = at.astimezone(WIB)
    return f"complaints/{slug}/{when:%Y/%m}/{cid}/{pid}-{sha[:16]}"


def submit(
    uow: sessionmaker[Session],
    storage: Storage,
    data: ComplaintInput,
    *,
    channel: ComplaintChannel,
    kecamatan_slug: str | None = None,
    api_key: str | None = None,
    photos: Sequence[PhotoUpload] = (),
    duplicate: DuplicateRule | None = None,
    intake: StaffIntake | None = None,
) -> Submitted:
    """Store one complaint (and its photos) in one transaction, or nothing. A complaint of
    the same category near an open one of the last days is merged into it: stored, closed
    as `duplikat`, pointing at the open one, whose code the answer gives."""
    if len(photos) > rules.MAX_PHOTOS:
        raise InvalidInput(
            f"Paling banyak {rules.MAX_PHOTOS} foto.",
            [FieldError(("media",), f"Paling banyak {rules.MAX_PHOTOS} foto.")],
        )
    dup = duplicate or DuplicateRule()
    point = _point(data)
    with uow() as s, s.begin():
        k = _find_kecamatan(s, kecamatan_slug, point)
        partner = _partner(s, k.id, api_key) if channel == ComplaintChannel.OPEN311 else None
        if intake is not None and (replay := _intake_replay(s, intake)) is not None:
            return replay
        if point is not None:
            # Two identical complaints at the same instant: the second waits here until the
            # first is committed, then finds it and is merged into it (its clock read after
            # the wait, so the first is never "received later" than it).
            _lock_duplicates(s, k.id, data.category)
        now = now_utc()
        c = Complaint(
            id=uuid.uuid4(),
            kecamatan_id=k.id,
            code=rules.new_code(),
            channel=channel,
            partner_key_id=partner.id if partner else None,
            category=data.category,
            description=data.description,
            location=point,
            address=data.address,
            media_url=data.media_url,
            reporter_name=data.name,
            reporter_phone=data.phone,
            reporter_email=data.email,
            received_at=now,
            state_since=now,
            state=S.BARU,
        )
        while s.scalar(select(Complaint.id).where(Complaint.code == c.code)):
            c.code = rules.new_code()  # 32^8 codes: practically never
        if point is not None:
            c.zone_id, c.kelurahan_id = _place(s, k.id, point)
        original = _duplicate_of(s, c, point, dup, now) if point is not None else None
        who = partner.name if partner else "warga (formulir /lapor)"
        if intake is not None:
            who = f"{intake.caller.username} (dicatat, {channel.value})"
        s.add(c)
        if original is not None:
            c.duplicate_of = original.id
            c.reject_reason = ComplaintRejection.DUPLIKAT
            c.public_note = f"Digabung dengan laporan {original.code} yang sedang ditangani."
            _start_clock(s, c, S.DITOLAK, now)
            original.duplicates += 1
        else:
            _start_clock(s, c, S.BARU, now)
        s.flush()
        _record(s, c, None, "Laporan diterima.", None, now, who)
        if original is not None:
            _record(
                s,
                c,
                S.BARU,
                "Duplikat otomatis (kategori, jarak, hari).",
                c.public_note,
                now,
                "sistem",
            )
        photo_ids: list[uuid.UUID] = []
        for p in photos:
            pid = uuid.uuid4()
            key = _original_key(k.slug, now, c.id, pid, p.upload.sha256)
            try:
                # Before the commit: a row never points at an object that is not there.
                storage.put_file(key, p.upload.file, p.mime)
            except StorageError as exc:
                log.error("storage put failed for %s: %s", key, exc)
                raise Unavailable(
                    "Penyimpanan foto sedang tidak tersedia. Coba kirim lagi sebentar lagi."
                ) from exc
            s.add(
                ComplaintPhoto(
                    id=pid,
                    complaint_id=c.id,
                    kecamatan_id=k.id,
                    status=PhotoStatus.DITERIMA,
                    original_key=key,
                    sha256=p.upload.sha256,
                    size_bytes=p.upload.size,
                    content_type=p.mime,
                )
            )
            enqueue(s, PROCESS_TASK, {"photo_id": str(pid)}, dedup_key=f"cphoto:{pid}")
            photo_ids.append(pid)
        if intake is not None:
            _intake_remember(s, intake, c.id)
        s.flush()
        return Submitted(
            c.id, c.code, str(c.id), k.slug, original.code if original else None, photo_ids
        )


def _place(s: Session, kecamatan_id: int, point: Any) -> tuple[uuid.UUID | None, int | None]:
    """The zone whose monitoring area holds the point (the nearest when several do) and
    the kelurahan whose boundary holds it."""
    zone_id = s.scalar(
        select(Zone.id)
        .where(
            Zone.kecamatan_id == kecamatan_id,
            Zone.active.is_(True),
            func.ST_Covers(Zone.monitoring_area, point),
        )
        .order_by(func.ST_Distance(Zone.geom, point), Zone.id)
        .limit(1)
    )
    kelurahan_id = s.scalar(
        select(Kelurahan.id)
        .where(
            Kelurahan.kecamatan_id == kecamatan_id,
            Kelurahan.boundary.is_not(None),
            func.ST_Covers(Kelurahan.boundary, point),
        )
        .limit(1)
    )
    return zone_id, kelurahan_id


# Namespace of the duplicate lock (the two-int advisory locks; other locks use one bigint).
_DUP_LOCK = "pengaduan-duplikat:"


def _lock_duplicates(s: Session, kecamatan_id: int, category: str) -> None:
    """Serialise the duplicate lookup of one kecamatan and category until commit."""
    s.execute(
        select(
            func.pg_advisory_xact_lock(
                cast(literal(kecamatan_id), Integer), func.hashtext(_DUP_LOCK + category)
            )
        )
    )


def _duplicate_of(
    s: Session, c: Complaint, point: Any, dup: DuplicateRule, now: datetime
) -> Complaint | None:
    point = _sql_point(point)
    dist = func.ST_Distance(func.geography(Complaint.location), func.geography(point))
    row = s.execute(
        select(Complaint, dist)
        .where(
            Complaint.kecamatan_id == c.kecamatan_id,
            Complaint.category == c.category,
            Complaint.state.in_([x.value for x in rules.OPEN]),
            Complaint.duplicate_of.is_(None),
            Complaint.location.is_not(None),
            Complaint.received_at >= now - timedelta(days=dup.max_days),
            func.ST_DWithin(func.geography(Complaint.location), func.geography(point), dup.max_m),
        )
        .order_by(dist, Complaint.received_at)
        .limit(1)
        .with_for_update(of=Complaint)
    ).first()
    if row is None:
        return None
    original, distance = row
    if not dup.matches(c.category, original.category, float(distance), now - original.received_at):
        return None
    return original  # type: ignore[no-any-return]


# --- photos ------------------------------------------------------------------------------


def process_photo(
    uow: sessionmaker[Session], storage: Storage, ev: EvidenceRules, photo_id: uuid.UUID
) -> str:
    """EXIF read, EXIF-free web and thumbnail images, evidence flags; idempotent."""
    with uow() as s:
        p = s.get(ComplaintPhoto, photo_id)
        if p is None:
            return "hilang"
        if p.status != PhotoStatus.DITERIMA:
            return "sudah"
        key, sha = p.original_key, p.sha256
    base = key.replace("complaints/", "complaints-derived/", 1)
    out = photo_service.derive(storage, key, sha, base)
    if isinstance(out, str):
        return _fail_photo(uow, photo_id, out)
    with uow() as s, s.begin():
        p = s.scalar(select(ComplaintPhoto).where(ComplaintPhoto.id == photo_id).with_for_update())
        if p is None or p.status != PhotoStatus.DITERIMA or p.sha256 != sha:
            return "sudah"
        c = s.get(Complaint, p.complaint_id)
        assert c is not None
        ex = out.exif
        p.content_type = out.header.mime
        p.width, p.height = out.header.width, out.header.height
        p.exif = ex.as_dict()
        p.taken_at = ex.taken_at(7 * 60)
        dist = None
        if ex.gps_lat is not None and ex.gps_lon is not None:
            p.gps = from_shape(Point(ex.gps_lon, ex.gps_lat), srid=4326)
            if c.location is not None:
                dist = s.scalar(
                    select(
                        func.ST_Distance(
                            func.geography(_sql_point(c.location)),
                            func.geography(_sql_point(p.gps)),
                        )
                    )
                )
        p.thumb_key, p.web_key = f"{base}-thumb.jpg", f"{base}-web.jpg"
        # A citizen's photo may be taken some time before the report: a week's window.
        window = (c.received_at - timedelta(days=7), c.received_at)
        p.flags = photo_flags(
            ev,
            has_gps=ex.gps_lat is not None and ex.gps_lon is not None,
            distance_m=float(dist) if dist is not None else None,
            report_accuracy_m=None,
            taken_at=p.taken_at,
            window=window,
            exif_problems=ex.problems,
            same_sha=None,
            near=None,
        )
        p.status = PhotoStatus.DIPROSES
        p.processed_at = now_utc()
    return "diproses"


def _fail_photo(uow: sessionmaker[Session], photo_id: uuid.UUID, reason: str) -> str:
    with uow() as s, s.begin():
        p = s.scalar(select(ComplaintPhoto).where(ComplaintPhoto.id == photo_id).with_for_update())
        if p is None or p.status != PhotoStatus.DITERIMA:
            return "sudah"
        p.status = PhotoStatus.GAGAL
        p.error = reason
        p.flags = unreadable_flag(reason)
        p.processed_at = now_utc()
    return "gagal"


def public_photo(uow: sessionmaker[Session], photo_id: uuid.UUID, variant: str) -> str:
    """Storage key of a complaint photo's public copy (web size or thumb) for anyone: no
    EXIF, faces and plates blurred (k3zones.services.privacy), never the reviewers' one."""
    if variant not in ("web", "thumb"):
        raise NotFound("Varian foto tidak dikenal (web, thumb).")
    with uow() as s:
        p = s.get(ComplaintPhoto, photo_id)
        if p is None:
            raise NotFound("Foto tidak ditemukan.")
        if p.web_key is None or p.status != PhotoStatus.DIPROSES:
            raise NotFound("Foto belum selesai diproses; coba lagi sebentar lagi.")
        return privacy.public_key(s, p.id, p.web_key, variant)


# --- public reading (Open311, status page) -----------------------------------------------


def _lonlat(g: Any) -> tuple[float, float]:
    pt = to_shape(g)
    assert isinstance(pt, Point)
    return pt.x, pt.y


def _public(
    c: Complaint, slug: str, kecamatan_name: str, photos: list[uuid.UUID]
) -> dict[str, Any]:
    """Public fields only: never the reporter's name, phone or e-mail."""
    lat = lon = None
    if c.location is not None:
        lon, lat = (round(v, 6) for v in _lonlat(c.location))
    note = c.public_note or rules.STATE_LABELS[c.state]
    return {
        "service_request_id": c.code,
        "token": str(c.id),
        "status": rules.open311_status(c.state),
        "state": c.state.value,
        "state_label": rules.STATE_LABELS[c.state],
        "status_notes": note,
        "service_name": rules.CATEGORIES.get(c.category, c.category),
        "service_code": c.category,
        "description": c.description,
        "agency_responsible": f"Kecamatan {kecamatan_name}",
        "service_notice": "",
        "requested_datetime": c.received_at,
        "updated_datetime": c.updated_at,
        "expected_datetime": c.sla_due_at,
        "address": c.address or "",
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": c.media_url or "",
        "kecamatan": slug,
        "photo_ids": photos,
    }


def _public_rows(s: Session, q: Any) -> list[dict[str, Any]]:
    rows = list(s.execute(q))
    ids = [c.id for c, _, _ in rows]
    photos: dict[uuid.UUID, list[uuid.UUID]] = {}
    if ids:
        for pid, cid in s.execute(
            select(ComplaintPhoto.id, ComplaintPhoto.complaint_id)
            .where(
                ComplaintPhoto.complaint_id.in_(ids),
                ComplaintPhoto.status == PhotoStatus.DIPROSES,
            )
            .order_by(ComplaintPhoto.received_at, ComplaintPhoto.id)
        ):
            photos.setdefault(cid, []).append(pid)
    return [_public(c, slug, name, photos.get(c.id, [])) for c, slug, name in rows]


def _public_query() -> Any:
    return select(Complaint, Kecamatan.slug, Kecamatan.name).join(
        Kecamatan, Kecamatan.id == Complaint.kecamatan_id
    )


def _kecamatan_id(s: Session, slug: str) -> int:
    kid = s.scalar(select(Kecamatan.id).where(Kecamatan.slug == slug))
    if kid is None:
        raise NotFound("jurisdiction_id tidak dikenal.")
    return kid


@dataclass(frozen=True)
class PublicFilter:
    codes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    status: list[str] = field(default_factory=list)  # open | closed
    page: int = 1
    page_size: int = 50


def public_requests(uow: sessionmaker[Session], slug: str, f: PublicFilter) -> list[dict[str, Any]]:
    """GeoReport v2 GET requests: the newest first, bounded pages; service_request_id
    overrides the other filters (as the spec says)."""
    with uow() as s:
        kid = _kecamatan_id(s, slug)
        q = _public_query().where(Complaint.kecamatan_id == kid)
        if f.codes:
            q = q.where(Complaint.code.in_(f.codes))
        else:
            end = f.end or now_utc()
            start = f.start or end - timedelta(days=90)
            q = q.where(Complaint.received_at >= start, Complaint.received_at <= end)
            if f.categories:
                q = q.where(Complaint.category.in_(f.categories))
            if f.status and set(f.status) != {"open", "closed"}:
                closed = [x.value for x in rules.CLOSED]
                q = q.where(
                    Complaint.state.in_(closed)
                    if "closed" in f.status
                    else Complaint.state.not_in(closed)
                )
        q = (
            q.order_by(Complaint.received_at.desc(), Complaint.id)
            .limit(f.page_size)
            .offset((f.page - 1) * f.page_size)
        )
        return _public_rows(s, q)


def public_request(uow: sessionmaker[Session], slug: str | None, code: str) -> dict[str, Any]:
    """One complaint by its code (slug None: any kecamatan, for the public status page)."""
    norm = rules.normalise_code(code)
    with uow() as s:
        if norm is None:
            raise NotFound("Kode laporan tidak ditemukan.")
        q = _public_query().where(Complaint.code == norm)
        if slug is not None:
            q = q.where(Complaint.kecamatan_id == _kecamatan_id(s, slug))
        rows = _public_rows(s, q)
        if not rows:
            raise NotFound("Kode laporan tidak ditemukan.")
        out = rows[0]
        if out["state"] == S.DITOLAK.value:
            dup = aliased(Complaint)
            merged = s.scalar(
                select(Complaint.code)
                .join(dup, dup.duplicate_of == Complaint.id)
                .where(dup.code == norm)
            )
            out["merged_into"] = merged
        else:
            out["merged_into"] = None
        return out


def public_by_token(uow: sessionmaker[Session], slug: str, token: str) -> dict[str, str]:
    try:
        cid = uuid.UUID(token)
    except ValueError as exc:
        raise NotFound("Token tidak ditemukan.") from exc
    with uow() as s:
        kid = _kecamatan_id(s, slug)
        code = s.scalar(
            select(Complaint.code).where(Complaint.id == cid, Complaint.kecamatan_id == kid)
        )
        if code is None:
            raise NotFound("Token tidak ditemukan.")
        return {"service_request_id": code, "token": token}


def public_timeline(uow: sessionmaker[Session], code: str) -> list[dict[str, Any]]:
    """The public history of a complaint: states and public notes, no staff names."""
    norm = rules.normalise_code(code)
    if norm is None:
        raise NotFound("Kode laporan tidak ditemukan.")
    with uow() as s:
        rows = s.execute(
            select(
                ComplaintTransition.at,
                ComplaintTransition.to_state,
                ComplaintTransition.public_note,
            )
            .join(Complaint, Complaint.id == ComplaintTransition.complaint_id)
            .where(Complaint.code == norm)
            .order_by(ComplaintTransition.id)
        )
        return [
            {
                "at": at,
                "state": st,
                "label": rules.STATE_LABELS[ComplaintState(st)],
                "note": note,
            }
            for at, st, note in rows
        ]


# --- staff -------------------------------------------------------------------------------


def _sla(c: Complaint, now: datetime) -> dict[str, Any]:
    v = rules.sla_phase(CALENDAR, c.state_since, c.sla_due_at, now)
    return {
        "state_since": c.state_since,
        "due_at": v.due_at,
        "phase": v.phase,
        "elapsed_hours": round(v.elapsed.total_seconds() / 3600, 1),
        "remaining_hours": None
        if v.remaining is None
        else round(v.remaining.total_seconds() / 3600, 1),
        "within_sla": c.within_sla,
    }


def _staff_view(s: Session, c: Complaint, *, detail: bool) -> dict[str, Any]:
    now = now_utc()
    lat = lon = None
    if c.location is not None:
        lon, lat = _lonlat(c.location)
    slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == c.kecamatan_id)) or ""
    out: dict[str, Any] = {
        "id": c.id,
        "code": c.code,
        "kecamatan": slug,
        "channel": c.channel.value,
        "category": c.category,
        "category_name": rules.CATEGORIES.get(c.category, c.category),
        "description": c.description,
        "lat": lat,
        "lon": lon,
        "address": c.address,
        "zone_id": c.zone_id,
        "kelurahan_id": c.kelurahan_id,
        "state": c.state.value,
        "reject_reason": c.reject_reason.value if c.reject_reason else None,
        "public_note": c.public_note,
        "duplicate_of": c.duplicate_of,
        "duplicates": c.duplicates,
        "team_id": c.team_id,
        "assigned_due_at": c.assigned_due_at,
        "report_id": c.report_id,
        "received_at": c.received_at,
        "closed_at": c.closed_at,
        "version": c.version,
        "sla": _sla(c, now),
    }
    if detail:
        out["reporter"] = {
            "name": c.reporter_name,
            "phone": c.reporter_phone,
            "email": c.reporter_email,
        }
        out["media_url"] = c.media_url
        out["transitions"] = [
            {
                "at": t.at,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": t.actor,
                "reason": t.reason,
                "public_note": t.public_note,
            }
            for t in s.scalars(
                select(ComplaintTransition)
                .where(ComplaintTransition.complaint_id == c.id)
                .order_by(ComplaintTransition.id)
            )
        ]
        out["photos"] = [
            {
                "id": p.id,
                "status": p.status.value,
                "flags": p.flags,
                "taken_at": p.taken_at,
                "error": p.error,
            }
            for p in s.scalars(
                select(ComplaintPhoto)
                .where(ComplaintPhoto.complaint_id == c.id)
                .order_by(ComplaintPhoto.received_at, ComplaintPhoto.id)
            )
        ]
    return out


def _cursor(due: datetime | None, cid: uuid.UUID) -> str:
    raw = f"{due.isoformat() if due else 'inf'}|{cid}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cur: str) -> tuple[datetime | None, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cur + "=" * (-len(cur) % 4)).decode()
        due_s, _, cid_s = raw.partition("|")
        due = None if due_s == "inf" else datetime.fromisoformat(due_s)
        if due is not None and due.tzinfo is None:
            raise ValueError("naive")
        return due, uuid.UUID(cid_s)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "Kursor halaman tidak valid.", [FieldError(("query", "after"), "Kursor rusak.")]
        ) from exc


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next: str | None


def list_complaints(
    uow: sessionmaker[Session],
    scope: Scope,
    *,
    kecamatan: str | None = None,
    states: Sequence[str] = (),
    category: str | None = None,
    zone_id: uuid.UUID | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """The queue: by SLA due time (the most urgent first; states without a clock last),
    in keyset pages of at most PAGE_MAX."""
    limit = max(1, min(limit, PAGE_MAX))
    far = literal(datetime(9999, 1, 1, tzinfo=WIB))
    due = func.coalesce(Complaint.sla_due_at, far)
    with uow() as s:
        q = select(Complaint).where(scope.clause(Complaint.kecamatan_id))
        if kecamatan:
            kid = s.scalar(select(Kecamatan.id).where(Kecamatan.slug == kecamatan))
            if kid is None or not scope.allows(kid):
                raise NotFound("Kecamatan tidak ditemukan.")
            q = q.where(Complaint.kecamatan_id == kid)
        if states:
            q = q.where(Complaint.state.in_(list(states)))
        if category:
            q = q.where(Complaint.category == category)
        if zone_id:
            q = q.where(Complaint.zone_id == zone_id)
        if after:
            a_due, a_id = _decode_cursor(after)
            a_val = literal(a_due) if a_due else far
            q = q.where(or_(due > a_val, and_(due == a_val, Complaint.id > a_id)))
        rows = list(s.scalars(q.order_by(due, Complaint.id).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        items = [_staff_view(s, c, detail=False) for c in rows]
        nxt = _cursor(rows[-1].sla_due_at, rows[-1].id) if more and rows else None
        return Page(items, nxt)


def _load(s: Session, scope: Scope, cid: uuid.UUID, *, lock: bool = False) -> Complaint:
    q = select(Complaint).where(Complaint.id == cid)
    if lock:
        q = q.with_for_update()
    c = s.scalar(q)
    if c is None or not scope.allows(c.kecamatan_id):
        raise NotFound("Pengaduan tidak ditemukan.")
    return c


def get_complaint(uow: sessionmaker[Session], scope: Scope, cid: uuid.UUID) -> dict[str, Any]:
    with uow() as s:
        return _staff_view(s, _load(s, scope, cid), detail=True)


@dataclass(frozen=True)
class Action:
    """One step of the staff workflow. `kind`: terima, tolak, tugaskan, tangani, selesai,
    kembali (back one step)."""

    kind: str
    reason: str
    public_note: str | None = None
    reject_reason: ComplaintRejection | None = None
    team_id: uuid.UUID | None = None
    due_at: datetime | None = None
    report_id: uuid.UUID | None = None
    expected_version: int | None = None


_TARGET = {
    "terima": S.DITERIMA,
    "tolak": S.DITOLAK,
    "tugaskan": S.DITUGASKAN,
    "tangani": S.DITANGANI,
    "selesai": S.SELESAI,
}
_BACK = {S.DITUGASKAN: S.DITERIMA, S.DITANGANI: S.DITUGASKAN, S.DITOLAK: S.DITERIMA}


def act(uow: sessionmaker[Session], caller: Principal, cid: uuid.UUID, a: Action) -> dict[str, Any]:
    """Move a complaint one step, recorded with who and why."""
    if not a.reason.strip():
        raise InvalidInput("Alasan wajib diisi.", [FieldError(("reason",), "Wajib diisi.")])
    with uow() as s, s.begin():
        c = _load(s, caller.scope, cid, lock=True)
        if a.expected_version is not None and a.expected_version != c.version:
            raise Conflict("Pengaduan sudah diubah orang lain; muat ulang lalu coba lagi.")
        src = c.state
        if a.kind == "kembali":
            dst = _BACK.get(src)
            if dst is None:
                raise Conflict(f"Pengaduan berstatus {src.value} tidak dapat dikembalikan.")
        else:
            dst = _TARGET[a.kind]
        why = rules.transition_problem(src, dst)
        if why:
            raise Conflict(why)
        now = now_utc()
        if dst == S.DITOLAK:
            if a.reject_reason is None:
                raise InvalidInput(
                    "Pilih alasan penolakan.", [FieldError(("reject_reason",), "Wajib diisi.")]
                )
            if not (a.public_note or "").strip():
                raise InvalidInput(
                    "Catatan untuk pelapor wajib diisi saat menolak.",
                    [FieldError(("public_note",), "Wajib diisi.")],
                )
            c.reject_reason = a.reject_reason
        else:
            c.reject_reason = None
        if dst == S.DITUGASKAN and a.kind == "tugaskan":
            _assign(s, c, a, now)
        if dst == S.DITANGANI:
            _link_report(s, c, a)
        if dst == S.SELESAI:
            r = s.get(Report, c.report_id) if c.report_id else None
            if r is None or r.review_state != ReviewState.DITERIMA:
                raise Conflict(
                    "Laporan tim belum diterima Seksi Trantib; pengaduan belum dapat diselesaikan."
                )
        if dst == S.DITERIMA:
            c.team_id = None
            c.assigned_due_at = None
        if src == S.DITOLAK and c.duplicate_of is not None:
            # A merge undone: the complaint stands on its own again.
            original = s.scalar(
                select(Complaint).where(Complaint.id == c.duplicate_of).with_for_update()
            )
            if original is not None:
                original.duplicates = max(0, original.duplicates - 1 - c.duplicates)
            c.duplicate_of = None
        if dst == S.DITUGASKAN and src == S.DITANGANI:
            c.report_id = None  # the report was not accepted: the team goes again
        if a.public_note is not None and a.public_note.strip():
            c.public_note = a.public_note.strip()
        elif dst != S.DITOLAK:
            c.public_note = None
        _start_clock(s, c, dst, now)
        c.version += 1
        s.flush()
        _record(s, c, src, a.reason.strip(), c.public_note, now)
        complaint_moved(s, c.zone_id, src, dst, caller.username)  # counts against its zone?
        s.flush()
        return _staff_view(s, c, detail=True)


def _assign(s: Session, c: Complaint, a: Action, now: datetime) -> None:
    if a.team_id is None:
        raise InvalidInput("Pilih tim.", [FieldError(("team_id",), "Wajib diisi.")])
    t = s.get(Team, a.team_id)
    if t is None or t.kecamatan_id != c.kecamatan_id or not t.active:
        raise InvalidInput(
            "Tim tidak ditemukan di kecamatan ini.",
            [FieldError(("team_id",), "Tim tidak dikenal.")],
        )
    if a.due_at is not None and a.due_at <= now:
        raise InvalidInput(
            "Batas waktu harus di masa depan.", [FieldError(("due_at",), "Sudah lewat.")]
        )
    c.team_id = t.id
    c.assigned_due_at = a.due_at


def _link_report(s: Session, c: Complaint, a: Action) -> None:
    if a.report_id is None:
        raise InvalidInput("Pilih laporan tim.", [FieldError(("report_id",), "Wajib diisi.")])
    r = s.get(Report, a.report_id)
    if r is None or r.kecamatan_id != c.kecamatan_id:
        raise InvalidInput(
            "Laporan tidak ditemukan di kecamatan ini.",
            [FieldError(("report_id",), "Laporan tidak dikenal.")],
        )
    if r.team_id != c.team_id:
        raise InvalidInput(
            "Laporan itu bukan dari tim yang ditugaskan.",
            [FieldError(("report_id",), "Tim laporan berbeda.")],
        )
    if r.type not in (ReportType.PENERTIBAN, ReportType.PATROLI):
        raise InvalidInput("Jenis laporan tidak dapat dipakai.", [FieldError(("report_id",), "")])
    if r.started_at < c.received_at - timedelta(hours=1):
        raise InvalidInput(
            "Laporan itu dibuat sebelum pengaduan masuk.",
            [FieldError(("report_id",), "Laporan lebih lama dari pengaduan.")],
        )
    c.report_id = r.id


def merge(
    uow: sessionmaker[Session],
    caller: Principal,
    cid: uuid.UUID,
    into: uuid.UUID,
    reason: str,
) -> dict[str, Any]:
    """Close a complaint as a duplicate of another open one of the same kecamatan."""
    if cid == into:
        raise InvalidInput(
            "Tidak dapat digabung dengan dirinya sendiri.", [FieldError(("into",), "")]
        )
    if not reason.strip():
        raise InvalidInput("Alasan wajib diisi.", [FieldError(("reason",), "Wajib diisi.")])
    with uow() as s, s.begin():
        # Lock both in a fixed order: two merges at once never wait for each other.
        first, second = sorted([cid, into])
        locked = {x: _load(s, caller.scope, x, lock=True) for x in (first, second)}
        c, target = locked[cid], locked[into]
        if target.kecamatan_id != c.kecamatan_id:
            raise NotFound("Pengaduan tujuan tidak ditemukan.")
        if target.state in rules.CLOSED or target.duplicate_of is not None:
            raise Conflict("Pengaduan tujuan sudah ditutup; pilih yang masih terbuka.")
        why = rules.transition_problem(c.state, S.DITOLAK)
        if why:
            raise Conflict(why)
        now = now_utc()
        src = c.state
        c.duplicate_of = target.id
        c.reject_reason = ComplaintRejection.DUPLIKAT
        c.public_note = f"Digabung dengan laporan {target.code} yang sedang ditangani."
        _start_clock(s, c, S.DITOLAK, now)
        c.version += 1
        target.duplicates += 1 + c.duplicates
        s.flush()
        _record(s, c, src, reason.strip(), c.public_note, now)
        complaint_moved(s, c.zone_id, src, S.DITOLAK, caller.username)  # no longer counts
        s.flush()
        return _staff_view(s, c, detail=True)


# --- SLA breach: escalation to pimpinan ----------------------------------------------------


class BreachNotifier(Protocol):
    """Where a breach goes besides the in-app list (e-mail, WhatsApp): an interface only;
    no channel is built. Called after the commit, once per new notification."""

    def __call__(self, kecamatan_id: int, code: str, message: str) -> None: ...


def escalate_breaches(
    uow: sessionmaker[Session],
    now: datetime | None = None,
    notify: BreachNotifier | None = None,
) -> int:
    """Every open complaint past its SLA gets one notification for pimpinan per state it
    overran (idempotent: run again, nothing new). Returns how many were written."""
    at = now or now_utc()
    written = 0
    sent: list[tuple[int, str, str]] = []
    with uow() as s, s.begin():
        rows = s.execute(
            select(Complaint.id, Complaint.kecamatan_id, Complaint.code, Complaint.state)
            .where(
                Complaint.state.in_([x.value for x in rules.OPEN]),
                Complaint.sla_due_at.is_not(None),
                Complaint.sla_due_at < at,
            )
            .order_by(Complaint.sla_due_at)
            .limit(1000)
        ).all()
        for cid, kid, code, state in rows:
            res = s.execute(
                pg_insert(ComplaintNotification)
                .values(
                    kecamatan_id=kid,
                    complaint_id=cid,
                    kind="sla_lewat",
                    state=state.value,
                    message=f"Pengaduan {code} melewati batas waktu layanan pada status "
                    f"{state.value}.",
                )
                .on_conflict_do_nothing(constraint="uq_complaint_notification_once")
                .returning(ComplaintNotification.id)
            )
            if res.scalar() is not None:
                written += 1
                sent.append((kid, code, f"Pengaduan {code} melewati batas waktu layanan."))
    if notify is not None:
        for kid, code, message in sent:
            try:
                notify(kid, code, message)
            except Exception:  # a channel down never undoes the in-app notification
                log.warning("breach notifier failed for %s", code, exc_info=True)
    return written


def requeue_stuck_photos(uow: sessionmaker[Session], older_than: timedelta) -> int:
    """Citizens' photos still waiting long after they came in (their task was lost): queue
    them again (processing is idempotent)."""
    with uow() as s, s.begin():
        ids = list(
            s.scalars(
                select(ComplaintPhoto.id)
                .where(
                    ComplaintPhoto.status == PhotoStatus.DITERIMA,
                    ComplaintPhoto.received_at < now_utc() - older_than,
                )
                .limit(500)
            )
        )
        for pid in ids:
            enqueue(s, PROCESS_TASK, {"photo_id": str(pid)}, dedup_key=f"cphoto:{pid}")
        return len(ids)


def list_notifications(
    uow: sessionmaker[Session], caller: Principal, *, unread_only: bool = False
) -> list[dict[str, Any]]:
    with uow() as s:
        q = (
            select(ComplaintNotification, Complaint.code)
            .join(Complaint, Complaint.id == ComplaintNotification.complaint_id)
            .where(caller.scope.clause(ComplaintNotification.kecamatan_id))
        )
        if unread_only:
            q = q.where(ComplaintNotification.read_at.is_(None))
        rows = s.execute(q.order_by(ComplaintNotification.id.desc()).limit(200))
        return [
            {
                "id": n.id,
                "complaint_id": n.complaint_id,
                "code": code,
                "kind": n.kind,
                "state": n.state,
                "message": n.message,
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n, code in rows
        ]


def mark_read(uow: sessionmaker[Session], caller: Principal, nid: int) -> dict[str, Any]:
    with uow() as s, s.begin():
        n = s.get(ComplaintNotification, nid, with_for_update=True)
        if n is None or not caller.scope.allows(n.kecamatan_id):
            raise NotFound("Notifikasi tidak ditemukan.")
        if n.read_at is None:
            n.read_at = now_utc()
    return {"id": nid, "read_at": n.read_at}


# --- figures (indicator, LKIP) -----------------------------------------------------------


def figure_rows_select(
    p: Period, *where: ColumnElement[bool], lead: Sequence[Any] = ()
) -> Select[Any]:
    """The complaints received in the period that match `where`: the `lead` columns, then
    a `k3zones.complaints.FigureRow`'s (category, kelurahan name, state, is a duplicate,
    received, closed, within SLA)."""
    return (
        select(
            *lead,
            Complaint.category,
            Kelurahan.name,
            Complaint.state,
            Complaint.duplicate_of.is_not(None),
            Complaint.received_at,
            Complaint.closed_at,
            Complaint.within_sla,
        )
        .outerjoin(Kelurahan, Kelurahan.id == Complaint.kelurahan_id)
        .where(
            *where,
            Complaint.received_at >= day_start(p.start),
            Complaint.received_at < day_after(p.end),
        )
    )


def complaint_figures(
    uow: sessionmaker[Session], scope: Scope, kecamatan: str | None, period: str
) -> dict[str, Any]:
    """Complaints received in a month, triwulan or year (WIB) of a kecamatan: received,
    closed, % closed within SLA, median days to close, by category and kelurahan."""
    try:
        kind, year, number = rules.parse_period(period)
    except ValueError as exc:
        raise InvalidInput(
            "Periode tidak valid.",
            [FieldError(("query", "period"), "Gunakan TTTT, TTTT-BB, atau TTTT-T1..T4.")],
        ) from exc
    p = Period(kind, year, number)
    with uow() as s:
        q = select(Kecamatan).where(scope.clause(Kecamatan.id))
        if kecamatan:
            q = q.where(Kecamatan.slug == kecamatan)
        ks = list(s.scalars(q.order_by(Kecamatan.id)))
        if kecamatan and not ks:
            raise NotFound("Kecamatan tidak ditemukan.")
        rows = s.execute(figure_rows_select(p, Complaint.kecamatan_id.in_([k.id for k in ks])))
        out = rules.figures(rules.FigureRow(*r) for r in rows)
        return {
            "kecamatan": kecamatan,
            "period": period,
            "label": p.label,
            **out,
        }


# --- SLA table per kecamatan ---------------------------------------------------------------


def _kecamatan_for(s: Session, scope: Scope, slug: str | None, own: str | None) -> Kecamatan:
    chosen = slug or own
    if not chosen:
        raise InvalidInput(
            "Pilih kecamatan.", [FieldError(("kecamatan",), "Wajib untuk pengguna tingkat kota.")]
        )
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == chosen))
    if k is None or not scope.allows(k.id):
        raise NotFound("Kecamatan tidak ditemukan.")
    return k


def sla_table(
    uow: sessionmaker[Session], caller: Principal, kecamatan: str | None
) -> list[dict[str, Any]]:
    """Working days per category and state: the kecamatan's own, or the default."""
    with uow() as s:
        k = _kecamatan_for(s, caller.scope, kecamatan, caller.kecamatan_slug)
        own = _overrides(s, k.id)
        out = []
        for cat in rules.CATEGORIES:
            for st in (S.BARU, S.DITERIMA, S.DITUGASKAN, S.DITANGANI):
                days = rules.sla_days(cat, st, own)
                out.append(
                    {
                        "kecamatan": k.slug,
                        "category": cat,
                        "state": st.value,
                        "working_days": days,
                        "own": (cat, st.value) in own,
                    }
                )
        return out


def set_sla(
    uow: sessionmaker[Session],
    caller: Principal,
    kecamatan: str | None,
    category: str,
    state: str,
    working_days: int,
) -> list[dict[str, Any]]:
    """Set a kecamatan's SLA for one category and state. Clocks already running keep
    their due time; the new value applies to states entered from now on."""
    if category not in rules.CATEGORIES:
        raise InvalidInput("Kategori tidak dikenal.", [FieldError(("category",), "Tidak dikenal.")])
    if state not in {x.value for x in rules.OPEN}:
        raise InvalidInput("Status tanpa SLA.", [FieldError(("state",), "Bukan status terbuka.")])
    if not 1 <= working_days <= rules.MAX_SLA_DAYS:
        raise InvalidInput(
            "Hari kerja di luar batas.", [FieldError(("working_days",), "Harus 1 sampai 60.")]
        )
    with uow() as s, s.begin():
        k = _kecamatan_for(s, caller.scope, kecamatan, caller.kecamatan_slug)
        s.execute(
            pg_insert(ComplaintSla)
            .values(kecamatan_id=k.id, category=category, state=state, working_days=working_days)
            .on_conflict_do_update(
                index_elements=["kecamatan_id", "category", "state"],
                set_={"working_days": working_days},
            )
        )
        slug = k.slug
    return sla_table(uow, caller, slug)


# --- staff intake (telepon, WhatsApp, langsung...), location, originals --------------------

INTAKE_ROLES = frozenset({Role.TRANTIB, Role.ADMIN})
INTAKE_CHANNELS = (
    ComplaintChannel.TELEPON,
    ComplaintChannel.WHATSAPP,
    ComplaintChannel.LANGSUNG,
    ComplaintChannel.SURAT,
    ComplaintChannel.LAINNYA,
)
MAX_KEY = 200


@dataclass(frozen=True)
class IntakeInput:
    """A complaint that reached the office by phone, WhatsApp, in person or by letter, as
    Seksi Trantib records it. A point (lat and lon) or an address, or both."""

    channel: ComplaintChannel
    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    kecamatan: str | None = None  # slug; default the caller's own


@dataclass(frozen=True)
class StaffIntake:
    """Who records a complaint and the Idempotency-Key of the request (a retried click
    answers the first complaint again)."""

    caller: Principal
    idempotency_key: str | None
    digest: str

    @property
    def record_key(self) -> str:
        return f"complaint:{self.idempotency_key}"


def _intake_replay(s: Session, intake: StaffIntake) -> Submitted | None:
    if not intake.idempotency_key:
        return None
    rec = s.get(IdempotencyRecord, (intake.caller.user_id, intake.record_key))
    if rec is None:
        return None
    if rec.body_hash != intake.digest:
        raise InvalidInput(
            "Idempotency-Key ini sudah dipakai untuk pengaduan dengan isi berbeda. Pakai kunci "
            "baru untuk pengaduan baru.",
            [FieldError(("header", "Idempotency-Key"), "Isi berbeda dari kiriman pertama.")],
        )
    c = s.get(Complaint, uuid.UUID(str(rec.response.get("complaint_id"))))
    if c is None:  # the record outlived its complaint (never deleted): treat as new
        return None
    slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == c.kecamatan_id)) or ""
    return Submitted(c.id, c.code, str(c.id), slug, None, [], replayed=True)


def _intake_remember(s: Session, intake: StaffIntake, cid: uuid.UUID) -> None:
    if intake.idempotency_key:
        s.add(
            IdempotencyRecord(
                user_id=intake.caller.user_id,
                key=intake.record_key,
                body_hash=intake.digest,
                response={"complaint_id": str(cid)},
            )
        )


def _coordinate_text(x: float | None) -> str | None:
    """A coordinate as the form parser reads it (plain decimals, never 1e-05)."""
    if x is None:
        return None
    return f"{x:.12f}".rstrip("0").rstrip(".") or "0"


_INTAKE_FIELDS = {
    "service_code": "category",
    "long": "lon",
    "address_string": "address",
    "first_name": "reporter_name",
    "phone": "reporter_phone",
    "email": "reporter_email",
}

_INTAKE_MESSAGES = {
    "Lokasi wajib: isi lat dan long, atau address_string.": (
        "Lokasi wajib: isi lat dan lon (titik di peta), atau alamat (address)."
    ),
}


def record_complaint(
    uow: sessionmaker[Session],
    storage: Storage,
    caller: Principal,
    inp: IntakeInput,
    *,
    idempotency_key: str | None = None,
    duplicate: DuplicateRule | None = None,
) -> tuple[dict[str, Any], bool]:
    """Seksi Trantib records a complaint that came in by phone, WhatsApp, in person or by
    letter: the same checks, duplicate merge, zone match, SLA clock and audit as /lapor
    (it goes through `submit`). Returns the staff view and whether it is the answer to an
    earlier request with the same Idempotency-Key (nothing new stored)."""
    if caller.role not in INTAKE_ROLES:
        raise Forbidden("Hanya Seksi Trantib dan admin kecamatan yang dapat mencatat pengaduan.")
    if inp.channel not in INTAKE_CHANNELS:
        raise InvalidInput(
            "Saluran tidak dikenal.",
            [FieldError(("channel",), "Harus telepon, whatsapp, langsung, surat, atau lainnya.")],
        )
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY:
        raise InvalidInput(
            "Idempotency-Key harus 1 sampai 200 karakter.",
            [FieldError(("header", "Idempotency-Key"), "Harus 1 sampai 200 karakter.")],
        )
    if (inp.lat is None) != (inp.lon is None):
        raise InvalidInput(
            "Isi lintang dan bujur bersama-sama.",
            [FieldError(("lat" if inp.lat is None else "lon",), "Isi lintang dan bujur.")],
        )
    for name, v, limit in (("lat", inp.lat, 90.0), ("lon", inp.lon, 180.0)):
        if v is not None and not (math.isfinite(v) and -limit <= v <= limit):
            raise InvalidInput(
                "Koordinat tidak valid.",
                [FieldError((name,), f"Harus di antara -{limit:g} dan {limit:g}.")],
            )
    form = {
        "service_code": inp.category,
        "description": inp.description,
        "lat": _coordinate_text(inp.lat),
        "long": _coordinate_text(inp.lon),
        "address_string": inp.address,
        "first_name": inp.reporter_name,
        "phone": inp.reporter_phone,
        "email": inp.reporter_email,
    }
    parsed = rules.parse_input(
        {k: v for k, v in form.items() if v is not None}, require_location=False
    )
    if isinstance(parsed, list):
        raise InvalidInput(
            "Pengaduan belum benar.",
            [
                FieldError(
                    (_INTAKE_FIELDS.get(str(e.path[0]), str(e.path[0])), *e.path[1:]),
                    _INTAKE_MESSAGES.get(e.message, e.message),
                )
                for e in parsed
            ],
        )
    with uow() as s:
        slug = _kecamatan_for(s, caller.scope, inp.kecamatan, caller.kecamatan_slug).slug
    digest = body_hash(
        {
            "kecamatan": slug,
            "channel": inp.channel.value,
            "category": parsed.category,
            "description": parsed.description,
            "lat": parsed.lat,
            "lon": parsed.lon,
            "address": parsed.address,
            "reporter": [parsed.name, parsed.phone, parsed.email],
        }
    )
    intake = StaffIntake(caller, idempotency_key, digest)
    for attempt in range(2):
        try:
            done = submit(
                uow,
                storage,
                parsed,
                channel=inp.channel,
                kecamatan_slug=slug,
                duplicate=duplicate,
                intake=intake,
            )
            break
        except IntegrityError:
            # The same key sent twice at once: the other request stored it; answer with it.
            if attempt == 1 or not idempotency_key:
                raise
    return get_complaint(uow, caller.scope, done.id), done.replayed


def set_location(
    uow: sessionmaker[Session],
    caller: Principal,
    cid: uuid.UUID,
    lat: float,
    lon: float,
    expected_version: int | None,
) -> dict[str, Any]:
    """Set or correct a complaint's point (an Open311 complaint with only an address, a
    phone call's place found on the map): inside its kecamatan, zone and kelurahan matched
    again, the old and the new point in the audit log, optimistic version."""
    if caller.role not in INTAKE_ROLES:
        raise Forbidden("Hanya Seksi Trantib dan admin kecamatan yang dapat mengubah lokasi.")
    for name, v, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if not (math.isfinite(v) and -limit <= v <= limit):
            raise InvalidInput(
                "Koordinat tidak valid.",
                [FieldError((name,), f"Harus di antara -{limit:g} dan {limit:g}.")],
            )
    point = from_shape(Point(lon, lat), srid=4326)
    with uow() as s, s.begin():
        c = _load(s, caller.scope, cid, lock=True)
        if expected_version is not None and expected_version != c.version:
            raise Conflict("Pengaduan sudah diubah orang lain; muat ulang lalu coba lagi.")
        k = s.get(Kecamatan, c.kecamatan_id)
        assert k is not None
        if k.extent is not None and not s.scalar(select(func.ST_Covers(k.extent, point))):
            raise InvalidInput(
                f"Lokasi di luar wilayah Kecamatan {k.name}.",
                [FieldError(("lat",), "Titik berada di luar wilayah kecamatan ini.")],
            )
        old_zone = c.zone_id
        c.location = point
        c.zone_id, c.kelurahan_id = _place(s, k.id, point)
        c.version += 1
        s.flush()  # the audit hook logs location, zone and kelurahan, before and after
        if old_zone != c.zone_id:
            # An open complaint counts against its zone: the old one loses it, the new
            # one gains it (as if it left and entered).
            complaint_moved(s, old_zone, c.state, S.DITOLAK, caller.username)
            complaint_moved(s, c.zone_id, S.DITOLAK, c.state, caller.username)
        s.flush()
        return _staff_view(s, c, detail=True)


def may_read_original(caller: Principal, kecamatan: str) -> bool:
    """Seksi Trantib and the admin of the complaint's kecamatan see its photos as sent
    (full EXIF and GPS); every other reader sees the EXIF-free copies only."""
    return caller.role in INTAKE_ROLES and caller.kecamatan_slug == kecamatan


def original_photo(
    uow: sessionmaker[Session], caller: Principal, photo_id: uuid.UUID
) -> tuple[str, str, str]:
    """(storage key, content type, ETag) of a complaint photo's original, for Seksi
    Trantib/admin of its kecamatan. Every read is written to the audit log (who, when,
    address, request) in the same transaction, before a byte is sent."""
    with uow() as s, s.begin():
        p = s.get(ComplaintPhoto, photo_id)
        if p is None or not caller.scope.allows(p.kecamatan_id):
            raise NotFound("Foto tidak ditemukan.")
        slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == p.kecamatan_id)) or ""
        if not may_read_original(caller, slug):
            raise Forbidden(
                "Foto asli (dengan EXIF dan GPS) hanya untuk Seksi Trantib dan admin kecamatan."
            )
        actor = current_actor.get()
        # A Core insert, as the officer photos' read log: the read is itself the record.
        s.execute(
            insert(AuditLog).values(
                kecamatan_id=p.kecamatan_id,
                actor_id=caller.user_id,
                actor=caller.username,
                entity="complaint_photo",
                entity_id=str(p.id),
                action=ORIGINAL_READ,
                changes={"complaint_id": str(p.complaint_id), "role": caller.role.value},
                request_id=actor.request_id if actor else None,
                ip=actor.ip if actor else None,
            )
        )
        return p.original_key, p.content_type, p.sha256


ORIGINAL_READ = "baca_foto_asli"
