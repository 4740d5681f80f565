"""LKIP exports as asynchronous jobs: requested over HTTP, built by a worker, downloaded."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones import exports
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from k3zones.models import AuditLog, ExportJob, IndicatorManual, Kecamatan, RenstraTarget, Role
from k3zones.outbox import enqueue
from k3zones.periods import WIB, Period, now_utc
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import chain as chain_service
from k3zones.services import city as city_service
from k3zones.services import complaints as complaint_service
from k3zones.services import indicator as ind
from k3zones.services import plans as plan_service
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.storage import Storage

log = logging.getLogger(__name__)
BUILD_TASK = "workers.tasks.build_export"
REQUESTERS = {Role.TRANTIB, Role.PIMPINAN, Role.ADMIN}


@dataclass(frozen=True)
class JobView:
    id: uuid.UUID
    status: str
    format: str
    period: str
    filename: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def done(self) -> bool:
        return self.status == "selesai"

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _period(job: ExportJob) -> Period:
    return Period(job.period_kind, job.period_year, job.period_number)


def _view(job: ExportJob) -> JobView:
    return JobView(
        job.id,
        job.status,
        job.format,
        _period(job).label,
        job.filename,
        job.error,
        job.created_at,
        job.finished_at,
    )


def request_export(
    uow: sessionmaker[Session], caller: Principal, slug: str, p: Period, fmt: str
) -> JobView:
    if caller.role not in REQUESTERS:
        raise Forbidden("Peran Anda tidak dapat membuat ekspor LKIP.")
    if fmt not in exports.BUILDERS:
        raise InvalidInput(
            "Format tidak dikenal.", [FieldError(("format",), "Pilih xlsx, docx, atau csv.")]
        )
    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, caller.scope, slug)
        ind.check_period(s, k.id, p)
        return _queue(s, caller, fmt, p, kecamatan_id=k.id)


def _queue(s: Session, caller: Principal, fmt: str, p: Period, **owner: Any) -> JobView:
    """A new job of `owner` (kecamatan_id, or kind/kota_id/source) and its build task, in
    the caller's transaction."""
    job = ExportJob(
        id=uuid.uuid4(),
        requested_by=caller.user_id,
        format=fmt,
        period_kind=p.kind,
        period_year=p.year,
        period_number=p.number,
        status="menunggu",
        **owner,
    )
    s.add(job)
    s.flush()
    enqueue(s, BUILD_TASK, {"job_id": str(job.id)})
    s.flush()
    s.refresh(job)
    return _view(job)


def request_recap(
    uow: sessionmaker[Session], caller: Principal, p: Period, fmt: str, source: str
) -> JobView:
    """Queue the city recap (one table per kecamatan of the caller's kota and a summary)
    for the worker: kota-level callers only, of their own kota."""
    if not caller.is_kota or caller.kota_id is None:
        raise Forbidden("Hanya pengguna tingkat kota yang dapat membuat rekap kota.")
    if fmt not in exports.CITY_BUILDERS:
        raise InvalidInput(
            "Format tidak dikenal.", [FieldError(("format",), "Pilih xlsx, docx, atau csv.")]
        )
    city_service.check(p, source)
    with uow() as s, s.begin():
        return _queue(s, caller, fmt, p, kind="kota", kota_id=caller.kota_id, source=source)


def _load(s: Session, who: Principal | Scope, job_id: uuid.UUID) -> ExportJob:
    """The job if the caller may see it: an LKIP job through the caller's scope; a kota
    recap only by kota-level users of that kota (or the system's whole scope)."""
    job = s.get(ExportJob, job_id)
    if job is None:
        raise NotFound("Ekspor tidak ditemukan.")
    if job.kind == "kota":
        if isinstance(who, Principal):
            seen = who.is_kota and who.kota_id == job.kota_id
        else:
            seen = who.kecamatan_ids is None
    else:
        scope = who.scope if isinstance(who, Principal) else who
        seen = job.kecamatan_id is not None and scope.allows(job.kecamatan_id)
    if not seen:
        raise NotFound("Ekspor tidak ditemukan.")
    return job


def get_job(uow: sessionmaker[Session], who: Principal | Scope, job_id: uuid.UUID) -> JobView:
    with uow() as s:
        return _view(_load(s, who, job_id))


def job_file(
    uow: sessionmaker[Session], who: Principal | Scope, job_id: uuid.UUID
) -> tuple[str, str, str]:
    """(storage key, filename, content type) of a finished export."""
    with uow() as s:
        job = _load(s, who, job_id)
        if job.status != "selesai" or not job.file_key or not job.filename:
            raise Conflict(f"Ekspor belum selesai (status: {job.status}).")
        return job.file_key, job.filename, exports.MIME[job.format]


def _year_figures(s: Session, k: Kecamatan, year: int) -> exports.YearFigures | None:
    manual = s.get(IndicatorManual, (k.id, year))
    if manual is not None:
        return exports.YearFigures(
            year, manual.target_pct, manual.realisasi_pct, manual.capaian_pct
        )
    p = Period("year", year)
    try:
        ind.check_period(s, k.id, p)
    except InvalidInput:
        return None
    snap = ind.best_snapshot(s, k.id, p)
    r = ind.from_snapshot(k, p, snap) if snap else ind.compute(s, k, p)
    return exports.YearFigures(year, r.target_pct, r.realisasi_pct, r.capaian_pct)


def complaint_period(p: Period) -> str:
    """The period as complaint_figures reads it: 2026, 2026-11 or 2026-T4."""
    if p.kind == "month":
        return f"{p.year}-{p.number:02d}"
    if p.kind == "quarter":
        return f"{p.year}-T{p.number}"
    return str(p.year)


def failure_message(job_id: uuid.UUID) -> str:
    """What the requester reads when a build fails: plain Indonesian and the code the admin
    finds in the log, never the exception (it may hold paths, SQL or stored data)."""
    return f"Ekspor gagal dibuat; hubungi admin dengan kode {job_id}."


def _request_id_of(uow: sessionmaker[Session], job_id: uuid.UUID) -> str | None:
    """The id of the HTTP request that asked for the job (from its audit row), if any."""
    try:
        with uow() as s:
            return s.scalar(
                select(AuditLog.request_id)
                .where(AuditLog.entity == ExportJob.__tablename__)
                .where(AuditLog.entity_id == str(job_id))
                .order_by(AuditLog.id)
                .limit(1)
            )
    except Exception:  # the log line matters more than this detail (database down...)
        return None


def build(uow: sessionmaker[Session], storage: Storage, job_id: uuid.UUID) -> str:
    """Build the file of an export job (idempotent: a finished job is left as it is)."""
    with uow() as s, s.begin():
        job = s.scalar(select(ExportJob).where(ExportJob.id == job_id).with_for_update())
        if job is None:
            return "hilang"
        if job.status == "selesai":
            return "sudah"
        job.status = "berjalan"
        kind, kota_id, source = job.kind, job.kota_id, job.source
        p, fmt = _period(job), job.format
        k = s.get(Kecamatan, job.kecamatan_id) if job.kecamatan_id is not None else None
    if kind == "kota":  # a city recap (migration 0019)
        assert kota_id is not None and source is not None
        return _build_recap(uow, storage, job_id, kota_id, p, fmt, source)
    assert k is not None
    slug = k.slug
    try:
        # The export rests on a stored snapshot: the approved one if the pimpinan approved
        # one, else a fresh one (so the file says exactly what it was computed from).
        with uow() as s:
            snap = ind.best_snapshot(s, k.id, p)
            sid = str(snap.id) if snap is not None else None
        if sid is None:
            sid = ind.create_snapshot(uow, Scope.everything(), slug, p)
        # The same figures GET /api/v1/complaint-figures answers (one computation).
        complaint_figures = complaint_service.complaint_figures(
            uow, Scope.everything(), slug, complaint_period(p)
        )
        with uow() as s:
            snap = ind.best_snapshot(s, k.id, p)
            assert snap is not None
            r = ind.from_snapshot(k, p, snap)
            prev = _year_figures(s, k, p.year - 1)
            end = s.scalar(
                select(RenstraTarget)
                .where(RenstraTarget.kecamatan_id == k.id)
                .order_by(RenstraTarget.year.desc())
                .limit(1)
            )
            computed = snap.computed_at.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")
            approved = "disetujui pimpinan" if snap.approved_at else "belum disetujui pimpinan"
            data = exports.ExportData(
                kecamatan=k.name,
                period_label=p.label,
                year=p.year,
                zones=r.zones,
                zones_designated=r.zones_designated,
                zones_tertib=r.zones_tertib,
                current=exports.YearFigures(p.year, r.target_pct, r.realisasi_pct, r.capaian_pct),
                previous=prev,
                end_target_year=end.year if end else None,
                end_target_pct=end.target_pct if end else None,
                footer=(
                    f"Aturan penilaian versi {r.rule_version}; snapshot {snap.id} "
                    f"dihitung {computed} ({approved}). Dibuat oleh k3zones "
                    f"{now_utc().astimezone(WIB):%d-%m-%Y %H:%M} WIB."
                    # The evidence chain's root when the file was built (see README).
                    + chain_service.footer_line(uow)
                ),
                notes=["DATA CONTOH: nama 7 zona kuning dan geometri adalah contoh."]
                if k.is_sample
                else [],
                activities=plan_service.realisasi(s, k.id, p),
                complaints=complaint_figures,
            )
            quiet = exports.no_complaints_note(data)
            if quiet:
                data.notes.append(quiet)
        content = exports.BUILDERS[fmt](data)
        filename = f"lkip-wilayah-tertib-{slug}-{p.label.lower().replace(' ', '-')}.{fmt}"
        key = f"exports/{slug}/{job_id}/{filename}"
        storage.put_bytes(key, content, exports.MIME[fmt])
        with uow() as s, s.begin():
            job = s.get(ExportJob, job_id)
            assert job is not None
            job.status, job.file_key, job.filename = "selesai", key, filename
            job.snapshot_id = uuid.UUID(sid) if sid else None
            job.finished_at = now_utc()
        return "selesai"
    except Exception:  # logged in full under the job id; the requester reads a plain message
        log.exception("export %s failed (request %s)", job_id, _request_id_of(uow, job_id) or "-")
        with uow() as s, s.begin():
            job = s.get(ExportJob, job_id)
            if job is not None:
                job.status, job.error = "gagal", failure_message(job_id)
                job.finished_at = now_utc()
        return "gagal"


def _build_recap(
    uow: sessionmaker[Session],
    storage: Storage,
    job_id: uuid.UUID,
    kota_id: int,
    p: Period,
    fmt: str,
    source: str,
) -> str:
    """The city recap of a kota job: every kecamatan of the kota when the file is built,
    the same figures as GET /api/v1/kota/ringkasan."""
    try:
        with uow() as s:
            ids = s.scalars(select(Kecamatan.id).where(Kecamatan.kota_id == kota_id)).all()
        content, filename, mime = city_service.recap_file(
            uow, Scope(frozenset(ids)), p, fmt, source
        )
        key = f"exports/kota-{kota_id}/{job_id}/{filename}"
        storage.put_bytes(key, content, mime)
        with uow() as s, s.begin():
            job = s.get(ExportJob, job_id)
            assert job is not None
            job.status, job.file_key, job.filename = "selesai", key, filename
            job.finished_at = now_utc()
        return "selesai"
    except Exception:  # logged in full under the job id; the requester reads a plain message
        log.exception("export %s failed (request %s)", job_id, _request_id_of(uow, job_id) or "-")
        _failed(uow, job_id)
        return "gagal"


def _failed(uow: sessionmaker[Session], job_id: uuid.UUID) -> None:
    with uow() as s, s.begin():
        job = s.get(ExportJob, job_id)
        if job is not None:
            job.status, job.error = "gagal", failure_message(job_id)
            job.finished_at = now_utc()
