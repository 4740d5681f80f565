"""Photos: received one by one from phones (safe to repeat), processed by workers."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, load_only, sessionmaker

from k3zones import imaging
from k3zones.audit import current_actor, insert_with_entry, update_with_entry
from k3zones.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unavailable,
    Unsupported,
)
from k3zones.evidence import EvidenceRules, photo_flags, summarise, unreadable_flag
from k3zones.models import Kecamatan, Photo, PhotoOriginalRead, PhotoStatus, Report
from k3zones.outbox import Queued, enqueue
from k3zones.periods import WIB, now_utc
from k3zones.principal import Principal
from k3zones.reports import MAX_PHOTOS
from k3zones.services import privacy
from k3zones.services.report_views import (
    photo_dict,
    recycled_refs,
    report_kecamatan,
    sees_photo_details,
    visible,
)
from k3zones.spatial import distance_m
from k3zones.storage import ObjectMissing, Storage, StorageError

log = logging.getLogger(__name__)

PROCESS_TASK = "workers.tasks.process_photo"
# A photo sent again still unprocessed this long after it came in is queued again.
RESEND_REQUEUE_AFTER = timedelta(minutes=2)
# How long a worker holds a photo it derives: far above one derive (~0.3 s for a phone JPEG,
# ~2 s for a 16 MP HEIC on a busy core). The worker passes K3_SWEEP_STUCK_SECONDS (600 s):
# a crashed worker's photo is free again when the sweeper would call it stuck anyway.
LEASE = timedelta(minutes=10)


# What a photo PUT reads, in one round trip: its report (the columns it uses; the whole
# row, geometry and JSON, cost the PUT a tenth of its time), locked, with the kecamatan's
# slug (for the storage key), how many photos the report has, and which report this photo
# id is of. Built once for a kecamatan's own officer, for whom visible() comes down to the
# kecamatan (their own report passes the team rule).
_TARGET_COLUMNS = (
    select(Kecamatan.slug).where(Kecamatan.id == Report.kecamatan_id).scalar_subquery(),
    select(func.count()).select_from(Photo).where(Photo.report_id == Report.id).scalar_subquery(),
    select(Photo.report_id).where(Photo.id == bindparam("photo_id")).scalar_subquery(),
)
_REPORT_COLUMNS = load_only(
    Report.id,
    Report.kecamatan_id,
    Report.officer_id,
    Report.started_at,
    Report.photos_expected,
    Report.photos_received,
)
_OWN_TARGET = (
    select(Report, *_TARGET_COLUMNS)
    .options(_REPORT_COLUMNS)
    .where(
        Report.id == bindparam("report_id"),
        Report.officer_id == bindparam("officer_id"),
        Report.kecamatan_id == bindparam("kecamatan_id"),
    )
    .with_for_update(of=Report)
)


def _photo_target(
    s: Session, caller: Principal, report_id: uuid.UUID, photo_id: uuid.UUID
) -> tuple[Report, str | None, int, uuid.UUID | None]:
    """The report a photo is sent to (visible, and the caller's own), locked; the
    kecamatan's slug; its photo count; the report this photo id already belongs to."""
    params: dict[str, Any] = {"photo_id": photo_id}
    if not caller.is_kota and caller.kecamatan_id is not None:
        q = _OWN_TARGET
        params |= {
            "report_id": report_id,
            "officer_id": caller.user_id,
            "kecamatan_id": caller.kecamatan_id,
        }
    else:
        q = visible(
            select(Report, *_TARGET_COLUMNS).where(
                Report.id == report_id, Report.officer_id == caller.user_id
            ),
            caller,
        )
        q = q.options(_REPORT_COLUMNS).with_for_update(of=Report)
    row = s.execute(q, params).first()
    if row is None:
        raise NotFound("Laporan tidak ditemukan.")
    r, slug, count, owner = row
    return r, slug, int(count), owner


@dataclass(frozen=True)
class Upload:
    """A received body, already on disk: the request layer streams it there."""

    file: IO[bytes]
    size: int
    sha256: str
    declared_type: str | None


def spool(src: IO[bytes], max_bytes: int) -> Upload | None:
    """Copy a stream to a temporary file while hashing it. None if it is over max_bytes."""
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    h = hashlib.sha256()
    size = 0
    while block := src.read(256 * 1024):
        size += len(block)
        if size > max_bytes:
            out.close()
            return None
        h.update(block)
        out.write(block)
    out.seek(0)
    return Upload(out, size, h.hexdigest(), None)


def _original_key(r: Report, slug: str, photo_id: uuid.UUID, sha: str) -> str:
    when = r.started_at.astimezone(WIB)
    return f"originals/{slug}/{when:%Y/%m}/{r.id}/{photo_id}-{sha[:16]}"


def queue_processing(s: Session, photo_id: uuid.UUID, *, claim: bool = False) -> Queued | None:
    """Ask a worker to process a photo (in the caller's transaction; one job per photo
    while one is waiting: None when one already was). claim=True: the caller sends it
    after commit (outbox.enqueue); a lost send is the sweeper's (requeue_stuck_photos)."""
    return enqueue(
        s, PROCESS_TASK, {"photo_id": str(photo_id)}, dedup_key=f"photo:{photo_id}", claim=claim
    )


@dataclass(frozen=True)
class PutResult:
    created: bool
    photo: dict[str, Any]
    # Work claimed for the worker, to send once committed (Runtime.send_now).
    queued: tuple[Queued, ...] = ()
    # Work waits in the outbox for the caller to relay: without send_after_commit, or a
    # stuck photo sent again (the resend is the first sign its send went wrong).
    relay: bool = False


def put_photo(
    uow: sessionmaker[Session],
    storage: Storage,
    caller: Principal,
    report_id: uuid.UUID,
    photo_id: uuid.UUID,
    upload: Upload,
    client_sha256: str | None,
    *,
    send_after_commit: bool = False,
) -> PutResult:
    """Store one photo of a report. The same photo again is answered as before; a photo
    whose bytes were damaged on the way (checksum) is refused so the phone sends again.
    send_after_commit: the caller sends the new photo's work itself (Runtime.send_now on
    PutResult.queued; the row is claimed); otherwise it waits for the caller's relay."""
    if client_sha256 is not None and client_sha256.strip().lower() != upload.sha256:
        raise InvalidInput(
            "Checksum SHA-256 tidak cocok: foto rusak dalam pengiriman. Kirim ulang foto ini.",
            [FieldError(("sha256",), f"Diterima {upload.sha256}.")],
        )
    if upload.size == 0:
        raise InvalidInput("Berkas foto kosong.")
    head = upload.file.read(32)
    upload.file.seek(0)
    mime = imaging.sniff(head)
    if mime is None:
        raise Unsupported("Berkas bukan foto. Kirim JPEG, PNG, atau HEIC dari kamera ponsel.")
    try:
        header = imaging.read_header(upload.file)
    except imaging.ImageRejected as exc:
        raise InvalidInput(str(exc)) from exc
    finally:
        upload.file.seek(0)

    with uow() as s, s.begin():
        r, slug, count, owner = _photo_target(s, caller, report_id, photo_id)
        if owner is not None and owner != r.id:
            raise Conflict("id foto ini sudah dipakai laporan lain; buat UUID baru.")
        existing = s.get(Photo, photo_id) if owner is not None else None
        if existing is not None and existing.sha256 == upload.sha256:
            # A retry: stored already. If its processing has not finished a while after it
            # came in, its task was lost: the phone resending is the first sign, so queue it
            # again (processing is idempotent). The sender is the report's officer.
            stuck = (
                existing.status == PhotoStatus.DITERIMA
                and existing.received_at < now_utc() - RESEND_REQUEUE_AFTER
            )
            if stuck:
                queue_processing(s, existing.id)
            refs = report_kecamatan(s, recycled_refs(existing.flags))
            answer = photo_dict(existing, details=True, kecamatan_of=refs)
            return PutResult(False, answer, relay=stuck)
        if existing is not None and existing.status != PhotoStatus.GAGAL:
            raise Conflict(
                "Foto dengan id ini sudah diterima dengan isi berbeda. Gunakan id baru untuk "
                "foto lain."
            )
        if existing is None and count >= min(r.photos_expected, MAX_PHOTOS):
            raise Conflict(
                f"Laporan ini menunggu {r.photos_expected} foto dan semuanya sudah "
                "diterima. Ubah jumlah foto laporan bila ada foto tambahan."
            )
        key = _original_key(r, slug or "x", photo_id, upload.sha256)
        try:
            # Before the commit: a row never points at an object that is not there.
            storage.put_file(key, upload.file, mime)
        except StorageError as exc:
            log.error("storage put failed for %s: %s", key, exc)
            raise Unavailable(
                "Penyimpanan foto sedang tidak tersedia. Coba kirim lagi "
                "sebentar lagi; laporan Anda aman."
            ) from exc
        # A new photo, or a failed one sent again: start over with these bytes.
        p = existing or Photo(id=photo_id, report_id=r.id, kecamatan_id=r.kecamatan_id)
        p.status = PhotoStatus.DITERIMA
        p.original_key = key
        p.sha256 = upload.sha256
        p.size_bytes = upload.size
        p.declared_type = (upload.declared_type or "")[:100] or None
        p.content_type = mime
        p.width, p.height = header.width, header.height
        p.exif, p.flags, p.error = {}, {}, None
        p.thumb_key = p.web_key = None
        p.phash = None
        p.phash_bands = None
        p.gps = None
        p.taken_at = None
        p.processed_at = None
        p.claimed_until = None
        p.received_at = now_utc()
        if existing is None:
            # The row, its audit row and its evidence-chain entry in one statement (the
            # ORM flush took three, and the most CPU of the request).
            insert_with_entry(s, p)
            update_with_entry(s, r, {"photos_received": r.photos_received + 1})
        # Claimed, the request sends it after commit: no second statement to mark it sent.
        queued = queue_processing(s, p.id, claim=send_after_commit)
        # Every field the answer shows was set above: no reload (a round trip) needed.
        answer = photo_dict(p, details=True, kecamatan_of={})
        if not send_after_commit:
            return PutResult(existing is None, answer, relay=True)
        return PutResult(existing is None, answer, (queued,) if queued else ())


def _near_duplicate(s: Session, p: Photo, h: int, max_bits: int) -> dict[str, Any] | None:
    bands = imaging.hash_bands(h)
    best: tuple[int, Photo] | None = None
    candidates = s.scalars(
        select(Photo)
        .where(Photo.phash_bands.overlap(bands), Photo.report_id != p.report_id)
        .limit(500)
    )
    for c in candidates:
        if c.phash is None:
            continue
        d = imaging.hamming(h, c.phash)
        if d <= max_bits and (best is None or d < best[0]):
            best = (d, c)
    if best is None:
        return None
    return {
        "report_id": str(best[1].report_id),
        "photo_id": str(best[1].id),
        "distance_bits": best[0],
    }


def _refresh_report_flags(s: Session, report_id: uuid.UUID) -> None:
    r = s.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if r is None:
        return
    flags = [f for (f,) in s.execute(select(Photo.flags).where(Photo.report_id == report_id))]
    r.flags = summarise(r.flags, flags)


def derive(storage: Storage, key: str, sha: str, base: str) -> imaging.Processed | str:
    """The original from storage, checked against the hash taken at intake, read (EXIF) and
    written as EXIF-free `<base>-web.jpg` and `<base>-thumb.jpg`, and the public copies
    `<base>-publik.jpg` / `-publik-thumb.jpg` with the faces and plates found blurred
    (the boxes are in the result). Returns what was read, or
    why the photo cannot be used (officers' and citizens' photos alike)."""
    with tempfile.TemporaryFile() as tmp:
        try:
            storage.download_to(key, tmp)
        except ObjectMissing:
            return "Berkas asli foto tidak ditemukan di penyimpanan."
        tmp.seek(0)
        digest = hashlib.sha256()
        while block := tmp.read(1024 * 1024):
            digest.update(block)
        if digest.hexdigest() != sha:
            return "Berkas asli di penyimpanan tidak sama dengan yang diterima (checksum berbeda)."
        tmp.seek(0)
        try:
            out = imaging.process(tmp)
        except imaging.ImageRejected as exc:
            return str(exc)
    storage.put_bytes(f"{base}-web.jpg", out.web_jpeg, "image/jpeg")
    storage.put_bytes(f"{base}-thumb.jpg", out.thumb_jpeg, "image/jpeg")
    # The public copy (faces and plates blurred) is written with the others, so a photo
    # that has a web image always has one the public may see (k3zones.services.privacy).
    out.public = privacy.write_public(storage, f"{base}-web.jpg", out.web_jpeg)
    return out


def claim(
    uow: sessionmaker[Session], photo_id: uuid.UUID, lease: timedelta = LEASE
) -> tuple[str, str] | str:
    """Take a waiting photo for processing, atomically: (original key, SHA-256) when this
    caller now holds it for `lease`, else why not: "hilang" (no such photo), "sudah"
    (processed or failed already), "diklaim" (another worker holds a live lease). Two
    copies of one task (a sweep's and the first) thus derive it once."""
    with uow() as s, s.begin():
        row = s.execute(
            update(Photo)
            .where(
                Photo.id == photo_id,
                Photo.status == PhotoStatus.DITERIMA,
                or_(Photo.claimed_until.is_(None), Photo.claimed_until < func.now()),
            )
            .values(claimed_until=func.now() + lease)
            .returning(Photo.original_key, Photo.sha256)
            .execution_options(synchronize_session=False)
        ).first()
        if row is not None:
            return row[0], row[1]
        status = s.scalar(select(Photo.status).where(Photo.id == photo_id))
    if status is None:
        return "hilang"
    return "sudah" if status != PhotoStatus.DITERIMA else "diklaim"


def release(uow: sessionmaker[Session], photo_id: uuid.UUID) -> None:
    """Give a claimed photo back (its derive raised: the task's retry may take it now)."""
    with uow() as s, s.begin():
        s.execute(
            update(Photo)
            .where(Photo.id == photo_id)
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def process_photo(
    uow: sessionmaker[Session],
    storage: Storage,
    rules: EvidenceRules,
    photo_id: uuid.UUID,
    lease: timedelta = LEASE,
) -> str:
    """Check the real type, read EXIF, write the derived images, flag the evidence.
    Idempotent: a photo already processed is left as it is, and one another worker holds
    (claim) is left to it. Returns what happened."""
    taken = claim(uow, photo_id, lease)
    if isinstance(taken, str):
        return taken
    key, sha = taken

    base = key.replace("originals/", "derived/", 1)
    try:
        out = derive(storage, key, sha, base)
    except BaseException:
        release(uow, photo_id)
        raise
    if isinstance(out, str):
        return _fail(uow, photo_id, sha, out)

    with uow() as s, s.begin():
        p = s.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
        if p is None or p.status != PhotoStatus.DITERIMA or p.sha256 != sha:
            return "sudah"
        r = s.get(Report, p.report_id)
        assert r is not None
        ex = out.exif
        p.content_type = out.header.mime
        p.width, p.height = out.header.width, out.header.height
        p.exif = ex.as_dict()
        p.taken_at = ex.taken_at(r.started_offset_min)
        has_gps = ex.gps_lat is not None and ex.gps_lon is not None
        dist = None
        if ex.gps_lat is not None and ex.gps_lon is not None:
            p.gps = from_shape(Point(ex.gps_lon, ex.gps_lat), srid=4326)
            s.flush()
            dist = s.scalar(
                select(distance_m(Photo.gps, Report.gps))
                .select_from(Photo)
                .join(Report, Report.id == Photo.report_id)
                .where(Photo.id == p.id)
            )
        p.thumb_key, p.web_key = f"{base}-thumb.jpg", f"{base}-web.jpg"
        privacy.record_detected(s, "laporan", p.id, p.kecamatan_id, p.web_key, out.public)
        p.phash = out.dhash
        p.phash_bands = imaging.hash_bands(out.dhash)
        same = s.scalar(
            select(Photo)
            .where(Photo.sha256 == sha, Photo.report_id != r.id, Photo.id != p.id)
            .order_by(Photo.received_at)
            .limit(1)
        )
        window = (r.started_at, r.ended_at or r.started_at)
        p.flags = photo_flags(
            rules,
            has_gps=has_gps,
            distance_m=float(dist) if dist is not None else None,
            report_accuracy_m=float(r.gps_accuracy_m) if r.gps_accuracy_m else None,
            taken_at=p.taken_at,
            window=window,
            exif_problems=ex.problems,
            same_sha={"report_id": str(same.report_id), "photo_id": str(same.id)} if same else None,
            near=None if same else _near_duplicate(s, p, out.dhash, rules.near_duplicate_bits),
        )
        p.status = PhotoStatus.DIPROSES
        p.processed_at = now_utc()
        p.claimed_until = None
        s.flush()
        _refresh_report_flags(s, r.id)
    return "diproses"


def _fail(uow: sessionmaker[Session], photo_id: uuid.UUID, sha: str, reason: str) -> str:
    with uow() as s, s.begin():
        p = s.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
        if p is None or p.status != PhotoStatus.DITERIMA or p.sha256 != sha:
            return "sudah"
        p.status = PhotoStatus.GAGAL
        p.error = reason
        p.flags = unreadable_flag(reason)
        p.processed_at = now_utc()
        p.claimed_until = None
        s.flush()
        _refresh_report_flags(s, p.report_id)
    return "gagal"


VARIANTS = {"original", "web", "thumb"}


ORIGINAL_REFUSED = (
    "Foto asli (dengan EXIF dan lokasi GPS) hanya dapat dibuka petugas yang mengambilnya "
    "dan Seksi Trantib/admin kecamatan. Buka versi web foto ini (tanpa EXIF): alamat yang "
    "sama dengan akhiran /web, atau /thumb untuk gambar kecil."
)


def photo_object(
    uow: sessionmaker[Session], caller: Principal, photo_id: uuid.UUID, variant: str
) -> tuple[str, str, str]:
    """(storage key, content type, ETag) of a photo the caller may see. The original goes
    only to whom sees_photo_details allows (403 for other readers of the report), and every
    read of it is recorded (who, when, address) in the same transaction, before a byte of
    it is sent."""
    if variant not in VARIANTS:
        raise NotFound("Varian foto tidak dikenal (original, web, thumb).")
    with uow() as s, s.begin():
        row = s.execute(
            visible(
                select(Photo, Report.officer_id).join(Report, Report.id == Photo.report_id),
                caller,
            ).where(Photo.id == photo_id)
        ).first()
        if row is None:
            raise NotFound("Foto tidak ditemukan.")
        p: Photo = row[0]
        gone = privacy.deleted_by_retention(s, "photo", p.id, variant)
        if gone is not None:
            raise NotFound(gone)
        if variant == "original":
            if not sees_photo_details(caller, row[1], p.kecamatan_id):
                raise Forbidden(ORIGINAL_REFUSED)
            _record_original_read(s, caller, p)
            return p.original_key, p.content_type, p.sha256
        key = p.web_key if variant == "web" else p.thumb_key
        if key is None or p.web_key is None:
            raise NotFound("Foto belum selesai diproses; coba lagi sebentar lagi.")
        if not sees_photo_details(caller, row[1], p.kecamatan_id):
            # Beyond the officer who took it and the kecamatan's reviewers (team mates,
            # pimpinan, kota): the public copy, faces and plates blurred.
            public = privacy.recorded_public_key(s, p.id, variant)
            if public is None:  # a photo processed before blurring existed: the sweep makes it
                raise NotFound("Salinan foto yang disamarkan sedang dibuat; coba lagi nanti.")
            return public, "image/jpeg", f"{p.sha256[:32]}-{variant}-publik"
        return key, "image/jpeg", f"{p.sha256[:32]}-{variant}"


def _record_original_read(s: Session, caller: Principal, p: Photo) -> None:
    actor = current_actor.get()
    # A Core insert: the read log is itself a log, kept out of the audit trail's hook.
    s.execute(
        insert(PhotoOriginalRead).values(
            kecamatan_id=p.kecamatan_id,
            photo_id=p.id,
            report_id=p.report_id,
            user_id=caller.user_id,
            username=caller.username,
            role=caller.role.value,
            ip=actor.ip if actor else None,
            request_id=actor.request_id if actor else None,
        )
    )
