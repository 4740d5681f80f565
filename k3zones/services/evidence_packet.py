"""The evidence packet of one zone and one year (for Inspektorat/BPK): gathered from one
consistent snapshot, built inline (a zone-year is a few dozen reports; see
k3zones.evidence_packet for what is in it)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker, undefer

from k3zones import chain
from k3zones import evidence_packet as packet
from k3zones.db import snapshot
from k3zones.enums import ReviewState, Role
from k3zones.errors import Forbidden, InvalidInput, NotFound
from k3zones.models import (
    Decree,
    DecreeAttachment,
    Kecamatan,
    Photo,
    PhotoPublic,
    Report,
    ZoneStatusChange,
)
from k3zones.models import Zone as ZoneRow
from k3zones.periods import day_start, now_utc, year_end_wib
from k3zones.principal import Principal
from k3zones.services import chain as chain_service
from k3zones.storage import Storage, StorageError

READERS = (Role.TRANTIB, Role.PIMPINAN, Role.ADMIN, Role.KOTA, Role.ADMIN_KOTA)
MAX_DECREES = 20  # how far back an amendment chain is followed


@dataclass(frozen=True)
class Packet:
    filename: str
    content: bytes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "zona"


def _decrees(s: Session, zone: ZoneRow) -> list[Decree]:
    """The decree designating the zone and those it amends, newest first."""
    out: list[Decree] = []
    next_id: uuid.UUID | None = zone.decree_id
    while next_id is not None and len(out) < MAX_DECREES:
        d = s.get(Decree, next_id)
        if d is None or d in out:
            break
        out.append(d)
        next_id = d.amends_id
    return out


def build_packet(
    uow: sessionmaker[Session], storage: Storage, caller: Principal, zone_id: uuid.UUID, year: int
) -> Packet:
    if caller.role not in READERS:
        raise Forbidden("Paket bukti hanya untuk Seksi Trantib, pimpinan, admin, dan kota.")
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun harus 2000 sampai 2100.")
    head = chain_service.head(uow)  # seals what is waiting, so the packet's entries have positions
    start, end = day_start(date(year, 1, 1)), year_end_wib(year)
    files: dict[str, bytes] = {}
    notes: list[str] = []
    with snapshot(uow) as s:
        zone = s.get(ZoneRow, zone_id)
        if zone is None or not caller.scope.allows(zone.kecamatan_id):
            raise NotFound("Zona tidak ditemukan.")
        kec = s.get(Kecamatan, zone.kecamatan_id)
        assert kec is not None
        decrees = []
        for i, d in enumerate(_decrees(s, zone), start=1):
            att = s.scalar(
                select(DecreeAttachment)
                .where(DecreeAttachment.decree_id == d.id)
                .options(undefer(DecreeAttachment.content))
            )
            path = f"sk/{i:02d}-{d.id}.pdf" if att is not None else None
            if att is not None and path is not None:
                files[path] = att.content
            decrees.append(
                packet.PacketDecree(
                    id=str(d.id),
                    nomor=d.nomor,
                    tanggal=d.tanggal.isoformat(),
                    perihal=d.perihal,
                    status=d.status.value,
                    file=path,
                    sha256=att.sha256 if att is not None else None,
                )
            )
        # The status at the start of the year (the last change before it), then the year's.
        before = s.scalar(
            select(ZoneStatusChange)
            .where(ZoneStatusChange.zone_id == zone.id, ZoneStatusChange.at < start)
            .order_by(ZoneStatusChange.at.desc(), ZoneStatusChange.id.desc())
            .limit(1)
        )
        during = list(
            s.scalars(
                select(ZoneStatusChange)
                .where(
                    ZoneStatusChange.zone_id == zone.id,
                    ZoneStatusChange.at >= start,
                    ZoneStatusChange.at < end,
                )
                .order_by(ZoneStatusChange.at, ZoneStatusChange.id)
            )
        )
        changes = ([before] if before is not None else []) + during
        history = [
            {
                "id": c.id,
                "at": c.at,
                "kind": c.kind,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "kategori": c.kategori,
                "reason": c.reason,
                "actor": c.actor,
            }
            for c in changes
        ]
        reports = list(
            s.scalars(
                select(Report)
                .where(
                    Report.zone_id == zone.id,
                    Report.review_state == ReviewState.DITERIMA,
                    Report.started_at >= start,
                    Report.started_at < end,
                )
                .order_by(Report.started_at, Report.id)
            )
        )
        photos: dict[uuid.UUID, list[Photo]] = {}
        public: dict[uuid.UUID, str] = {}
        if reports:
            for p in s.scalars(
                select(Photo)
                .where(Photo.report_id.in_([r.id for r in reports]))
                .order_by(Photo.received_at, Photo.id)
            ):
                photos.setdefault(p.report_id, []).append(p)
            ids = [p.id for ps in photos.values() for p in ps]
            if ids:
                # Faces and plates blurred (k3zones.services.privacy), where made already.
                public = dict(
                    s.execute(
                        select(PhotoPublic.photo_id, PhotoPublic.public_key).where(
                            PhotoPublic.photo_id.in_(ids)
                        )
                    ).all()
                )
        items = []
        refs: list[tuple[str, str]] = [(chain.Kind.VERIFICATION.value, str(zone.id))]
        refs += [(chain.Kind.ZONE_STATUS_CHANGE.value, str(c.id)) for c in changes]
        missing = 0
        for r in reports:
            refs += [(chain.Kind.REPORT.value, str(r.id)), (chain.Kind.REVIEW.value, str(r.id))]
            refs += [(chain.Kind.REPORT_VERSION.value, f"{r.id}:{v}") for v in range(1, r.version)]
            pitems = []
            for p in photos.get(r.id, []):
                refs.append((chain.Kind.PHOTO.value, str(p.id)))
                path = None
                # Only the copy with faces and plates blurred leaves the kecamatan: a photo
                # whose public copy is not made yet is listed by its hash, without the image.
                key = public.get(p.id)
                if key:
                    try:
                        files[f"foto/{p.id}.jpg"] = storage.get_bytes(key)
                        path = f"foto/{p.id}.jpg"
                    except StorageError:
                        missing += 1
                pitems.append(
                    packet.PacketPhoto(
                        id=str(p.id),
                        sha256_original=p.sha256,
                        size_original=p.size_bytes,
                        file=path,
                        flags=dict(p.flags or {}),
                        blurred=p.id in public,
                    )
                )
            items.append(
                packet.PacketReport(
                    id=str(r.id),
                    type=r.type.value,
                    started_at=r.started_at,
                    received_at=r.received_at,
                    violation_total=r.violation_total,
                    zone_match=r.zone_match,
                    notes=r.notes,
                    flags=dict(r.flags or {}),
                    reviewed_at=r.reviewed_at,
                    review_note=r.review_note,
                    version=r.version,
                    photos=pitems,
                )
            )
        if missing:
            notes.append(f"{missing} foto ukuran web tidak dapat dibaca dari penyimpanan.")
        entries = chain_service.entries_of(s, refs)
        data = packet.PacketData(
            kecamatan=kec.name,
            zone_id=str(zone.id),
            zone_name=zone.name,
            zone_kategori=zone.kategori.value,
            year=year,
            generated_at=now_utc(),
            decrees=decrees,
            history=history,
            reports=items,
            chain=entries,
            root={"position": head.position, "hash": head.root, "at": head.at} if head else None,
            files=files,
            notes=notes,
        )
        filename = f"paket-bukti-{kec.slug}-{_slug(zone.name)}-{year}.zip"
    return Packet(filename, packet.build_zip(data))
