"""Retention: per-kecamatan periods, the nightly deletion, its dry run, and tombstones.

What is deleted, and what stays:
- an original photo: the object in storage. The photo row stays untouched (its
  original_key and SHA-256 are what the evidence chain hashed), and a tombstone row says
  when and why the object went, with the SHA-256 again.
- derivatives: the web, thumbnail and public objects; the rows stay, a tombstone each.
- a complainant's contact data: name, phone and e-mail blanked on the complaint (the
  complaint itself, its code, its history and its photos stay); a tombstone, no hash
  (a hash of a phone number could be reversed by trying every number).
- access logs: rows of photo_original_read and signed-in sessions older than the period;
  one tombstone per kecamatan and run, with how many rows went.

Every function takes `now`, so tests run on a frozen clock. `run(dry_run=True)` lists the
same items and deletes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, extract, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from k3zones import blur, retention
from k3zones.errors import FieldError, InvalidInput, NotFound
from k3zones.models import (
    AuthSession,
    Complaint,
    ComplaintPhoto,
    Kecamatan,
    Photo,
    PhotoOriginalRead,
    PhotoPublic,
    Report,
    RetentionSetting,
    RetentionTombstone,
    User,
)
from k3zones.periods import WIB
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.storage import Storage, StorageError

log = logging.getLogger(__name__)

ASLI, TURUNAN, KONTAK, LOG_AKSES = "asli", "turunan", "kontak", "log_akses"


# --- settings ------------------------------------------------------------------------------


def periods_of(s: Session, kecamatan_id: int) -> retention.Periods:
    row = s.get(RetentionSetting, kecamatan_id)
    if row is None:
        return retention.DEFAULT
    return retention.Periods(
        row.originals_years, row.derivatives_years, row.contact_days, row.access_log_days
    )


def _kecamatan(s: Session, caller: Principal, slug: str | None) -> Kecamatan:
    chosen = slug or caller.kecamatan_slug
    if not chosen:
        raise InvalidInput(
            "Pilih kecamatan.", [FieldError(("kecamatan",), "Wajib untuk pengguna tingkat kota.")]
        )
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == chosen))
    if k is None or not caller.scope.allows(k.id):
        raise NotFound("Kecamatan tidak ditemukan.")
    return k


def _settings_view(s: Session, k: Kecamatan) -> dict[str, Any]:
    row = s.get(RetentionSetting, k.id)
    p = periods_of(s, k.id)
    return {
        "kecamatan": k.slug,
        **p.as_dict(),
        "is_default": row is None,
        "defaults": retention.DEFAULT.as_dict(),
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by if row else None,
    }


def get_settings(
    uow: sessionmaker[Session], caller: Principal, kecamatan: str | None
) -> dict[str, Any]:
    with uow() as s:
        return _settings_view(s, _kecamatan(s, caller, kecamatan))


def put_settings(
    uow: sessionmaker[Session],
    caller: Principal,
    kecamatan: str | None,
    values: dict[str, int],
) -> dict[str, Any]:
    """Set a kecamatan's periods (every field; the schema checks the ranges, and so does
    this, and so does the database). Audited by the session hook."""
    errors = [
        FieldError((name,), f"Harus {lo} sampai {hi}.")
        for name, (lo, hi) in retention.RANGES.items()
        if not isinstance(values.get(name), int) or not lo <= values[name] <= hi
    ]
    if errors:
        raise InvalidInput("Periode retensi di luar batas.", errors)
    with uow() as s, s.begin():
        k = _kecamatan(s, caller, kecamatan)
        row = s.get(RetentionSetting, k.id, with_for_update=True)
        if row is None:
            row = RetentionSetting(kecamatan_id=k.id)
            s.add(row)
        for name in retention.RANGES:
            setattr(row, name, values[name])
        row.updated_by = caller.user_id
        row.updated_at = func.now()
        s.flush()
        s.refresh(row)
        return _settings_view(s, k)


# --- what is due -----------------------------------------------------------------------------


@dataclass
class Item:
    category: str
    entity: str
    entity_id: str
    kecamatan_id: int
    reason: str
    sha256: str | None = None
    object_keys: list[str] = field(default_factory=list)
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tombstoned(category: str, entity: str, id_col: Any) -> Any:
    return (
        select(RetentionTombstone.id)
        .where(
            RetentionTombstone.category == category,
            RetentionTombstone.entity == entity,
            RetentionTombstone.entity_id == cast(id_col, String),
        )
        .exists()
    )


def _year(col: Any) -> Any:
    return extract("year", func.timezone("Asia/Jakarta", col))


def _photos_due(s: Session, k: int, p: retention.Periods, now: datetime) -> list[Item]:
    out: list[Item] = []
    for category, years in ((ASLI, p.originals_years), (TURUNAN, p.derivatives_years)):
        last = retention.last_kept_year(now, years)
        why = (
            f"{'foto asli' if category == ASLI else 'turunan foto'}: tahun LKIP {{y}} + "
            f"{years} tahun sudah lewat"
        )
        officer = s.execute(
            select(Photo, _year(Report.started_at))
            .join(Report, Report.id == Photo.report_id)
            .where(
                Photo.kecamatan_id == k,
                _year(Report.started_at) <= last,
                ~_tombstoned(category, "photo", Photo.id),
            )
            .order_by(Photo.received_at, Photo.id)
        ).all()
        citizen = s.execute(
            select(ComplaintPhoto, _year(Complaint.received_at))
            .join(Complaint, Complaint.id == ComplaintPhoto.complaint_id)
            .where(
                ComplaintPhoto.kecamatan_id == k,
                _year(Complaint.received_at) <= last,
                ~_tombstoned(category, "complaint_photo", ComplaintPhoto.id),
            )
            .order_by(ComplaintPhoto.received_at, ComplaintPhoto.id)
        ).all()
        for entity, rows in (("photo", officer), ("complaint_photo", citizen)):
            for photo, year in rows:
                if category == ASLI:
                    keys = [photo.original_key]
                else:
                    keys = [x for x in (photo.web_key, photo.thumb_key) if x]
                    pub = s.get(PhotoPublic, photo.id)
                    if pub is not None:
                        keys += [pub.public_key, pub.public_thumb_key]
                    elif photo.web_key:
                        keys += list(blur.public_keys(photo.web_key))
                out.append(
                    Item(
                        category,
                        entity,
                        str(photo.id),
                        k,
                        why.format(y=int(year)),
                        photo.sha256,
                        keys,
                    )
                )
    return out


def _contacts_due(s: Session, k: int, p: retention.Periods, now: datetime) -> list[Item]:
    rows = s.scalars(
        select(Complaint)
        .where(
            Complaint.kecamatan_id == k,
            Complaint.closed_at.is_not(None),
            Complaint.closed_at <= now - func.make_interval(0, 0, 0, p.contact_days),
            or_(
                Complaint.reporter_name.is_not(None),
                Complaint.reporter_phone.is_not(None),
                Complaint.reporter_email.is_not(None),
            ),
        )
        .order_by(Complaint.closed_at, Complaint.id)
    )
    return [
        Item(
            KONTAK,
            "complaint",
            str(c.id),
            k,
            f"kontak pelapor {c.code}: {p.contact_days} hari setelah ditutup sudah lewat",
        )
        for c in rows
        if retention.contact_due(c.closed_at, now, p.contact_days)
    ]


def _logs_due(s: Session, k: int, p: retention.Periods, now: datetime) -> list[Item]:
    cutoff = retention.log_cutoff(now, p.access_log_days)
    reads = s.scalar(
        select(func.count())
        .select_from(PhotoOriginalRead)
        .where(PhotoOriginalRead.kecamatan_id == k, PhotoOriginalRead.at < cutoff)
    )
    sessions = s.scalar(
        select(func.count())
        .select_from(AuthSession)
        .join(User, User.id == AuthSession.user_id)
        .where(User.kecamatan_id == k, AuthSession.last_used_at < cutoff)
    )
    day = cutoff.astimezone(WIB).date().isoformat()
    out = []
    if reads:
        out.append(
            Item(
                LOG_AKSES,
                "photo_original_read",
                f"{k}:{day}",
                k,
                f"catatan pembukaan foto asli sebelum {day}: {p.access_log_days} hari lewat",
                rows=int(reads),
            )
        )
    if sessions:
        out.append(
            Item(
                LOG_AKSES,
                "auth_session",
                f"{k}:{day}",
                k,
                f"sesi masuk tidak dipakai sejak sebelum {day}: {p.access_log_days} hari lewat",
                rows=int(sessions),
            )
        )
    return out


def plan(uow: sessionmaker[Session], now: datetime, scope: Scope) -> list[Item]:
    """Everything due at `now` in the kecamatan of `scope` (nothing deleted)."""
    with uow() as s:
        ks = s.scalars(
            select(Kecamatan.id).where(scope.clause(Kecamatan.id)).order_by(Kecamatan.id)
        )
        out: list[Item] = []
        for k in ks:
            p = periods_of(s, k)
            out += _photos_due(s, k, p, now)
            out += _contacts_due(s, k, p, now)
            out += _logs_due(s, k, p, now)
        return out


# --- deleting ---------------------------------------------------------------------------------


def _tombstone(s: Session, item: Item, now: datetime, periods: retention.Periods) -> None:
    s.add(
        RetentionTombstone(
            kecamatan_id=item.kecamatan_id,
            category=item.category,
            entity=item.entity,
            entity_id=item.entity_id,
            sha256=item.sha256,
            object_keys=item.object_keys,
            rows=item.rows,
            reason=item.reason,
            rule=periods.as_dict(),
            deleted_at=now,
        )
    )


def _already(s: Session, item: Item) -> bool:
    return (
        s.scalar(
            select(RetentionTombstone.id).where(
                RetentionTombstone.category == item.category,
                RetentionTombstone.entity == item.entity,
                RetentionTombstone.entity_id == item.entity_id,
            )
        )
        is not None
    )


def blank_contact(s: Session, complaint_id: Any) -> None:
    """Name, phone and e-mail of a complaint blanked, in the caller's transaction. A Core
    UPDATE on purpose: the session's audit hook would copy the old values into the
    append-only audit log; the tombstone row written with it is what gets audited."""
    s.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id)
        .values(reporter_name=None, reporter_phone=None, reporter_email=None)
    )


def _apply(uow: sessionmaker[Session], storage: Storage, item: Item, now: datetime) -> bool:
    """Delete one item and leave its tombstone. Objects go first, then the rows and the
    tombstone commit together: a crash in between leaves no tombstone, and the next run
    deletes the (already missing) objects again and writes it."""
    if item.object_keys:
        try:
            for key in item.object_keys:
                storage.delete(key)
        except StorageError as exc:
            log.error("retention: storage delete failed for %s: %s", item.entity_id, exc)
            return False
    with uow() as s, s.begin():
        if _already(s, item):
            return False
        periods = periods_of(s, item.kecamatan_id)
        k = item.kecamatan_id
        cutoff = retention.log_cutoff(now, periods.access_log_days)
        if item.category == KONTAK:
            blank_contact(s, item.entity_id)
        elif item.entity == "photo_original_read":
            # The log is append-only; this transaction alone may delete from it (0014).
            s.execute(text("SET LOCAL k3.retention = 'on'"))
            s.execute(
                delete(PhotoOriginalRead).where(
                    PhotoOriginalRead.kecamatan_id == k, PhotoOriginalRead.at < cutoff
                )
            )
        elif item.entity == "auth_session":
            users = select(User.id).where(User.kecamatan_id == k)
            s.execute(
                delete(AuthSession).where(
                    AuthSession.user_id.in_(users), AuthSession.last_used_at < cutoff
                )
            )
        _tombstone(s, item, now, periods)
    return True


@dataclass
class RunResult:
    dry_run: bool
    now: datetime
    items: list[Item]
    done: int

    def counts(self) -> dict[str, int]:
        out = {ASLI: 0, TURUNAN: 0, KONTAK: 0, LOG_AKSES: 0}
        for i in self.items:
            out[i.category] += 1
        return out


def run(
    uow: sessionmaker[Session],
    storage: Storage,
    now: datetime,
    *,
    dry_run: bool,
    scope: Scope | None = None,
) -> RunResult:
    """The nightly job (and its dry run): what is due at `now`, deleted with tombstones."""
    items = plan(uow, now, scope or Scope.everything())
    done = 0
    if not dry_run:
        for item in items:
            done += _apply(uow, storage, item, now)
    return RunResult(dry_run, now, items, done)


def kecamatan_id(uow: sessionmaker[Session], slug: str) -> int:
    """The id of a kecamatan by slug (the CLI's --kecamatan)."""
    with uow() as s:
        k = s.scalar(select(Kecamatan.id).where(Kecamatan.slug == slug.strip().lower()))
        if k is None:
            raise NotFound(f"Kecamatan '{slug}' tidak ditemukan.")
        return int(k)
