"""The public transparency page of a kecamatan: what the camat's decree committed to and how
it stands. No sign-in, so nothing personal: no officer, reviewer or reporter, no notes a
person typed, no GPS of a report, no original photo.

- the decrees in force (nomor, date, subject, whether a PDF is there);
- the zones of those decrees with their status and verified kategori;
- the indicator (Wilayah Tertib) per year against the Renstra target;
- per zone that is tertib now, the photos of its latest accepted penertiban report
  ("sebelum": the enforcement) and of its latest accepted patrol ("sesudah": the orderly
  street), as web derivatives (re-encoded by the worker: no EXIF).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker, undefer

from k3zones.errors import DomainError, NotFound
from k3zones.models import (
    Decree,
    DecreeAttachment,
    DecreeStatus,
    IndicatorManual,
    Kecamatan,
    Kelurahan,
    Photo,
    Report,
    ReportType,
    ReviewState,
    Zone,
    ZoneStatus,
    ZoneStatusValue,
)
from k3zones.periods import Period, today_wib
from k3zones.scope import Scope
from k3zones.services import indicator, privacy

PHOTOS_PER_SIDE = 2
MAX_YEARS = 10


@dataclass(frozen=True)
class PublicDecree:
    id: uuid.UUID
    nomor: str
    tanggal: str
    perihal: str
    has_pdf: bool


@dataclass(frozen=True)
class PublicZone:
    id: uuid.UUID
    name: str
    kategori: str
    kelurahan: str | None
    status: str
    status_kategori: str | None
    verified_on: str | None
    before: list[uuid.UUID] = field(default_factory=list)
    after: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class PublicYear:
    year: int
    realisasi_pct: Decimal | None
    target_pct: Decimal | None
    capaian_pct: Decimal | None
    zones_tertib: int | None
    zones_designated: int | None
    source: str  # langsung | manual


@dataclass(frozen=True)
class PublicOverview:
    slug: str
    name: str
    kota: str
    is_sample: bool
    decrees: list[PublicDecree]
    zones: list[PublicZone]
    years: list[PublicYear]


def _kecamatan(s: Session, slug: str) -> Kecamatan:
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug.strip().lower()[:64]))
    if k is None:
        raise NotFound(f"Kecamatan '{slug[:64]}' tidak ditemukan.")
    return k


def _photos(s: Session, zone_id: uuid.UUID, kind: ReportType) -> list[uuid.UUID]:
    """Processed photos of the zone's latest accepted report of this kind that has any."""
    latest = (
        select(Report.id)
        .join(Photo, Photo.report_id == Report.id)
        .where(
            Report.zone_id == zone_id,
            Report.type == kind,
            Report.review_state == ReviewState.DITERIMA,
            Photo.web_key.is_not(None),
        )
        .order_by(Report.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return list(
        s.scalars(
            select(Photo.id)
            .where(Photo.report_id == latest, Photo.web_key.is_not(None))
            .order_by(Photo.received_at, Photo.id)
            .limit(PHOTOS_PER_SIDE)
        )
    )


def _years(uow: sessionmaker[Session], s: Session, k: Kecamatan) -> list[PublicYear]:
    first_decree = s.scalar(select(func.min(Decree.tanggal)).where(Decree.kecamatan_id == k.id))
    manual = list(
        s.scalars(select(IndicatorManual.year).where(IndicatorManual.kecamatan_id == k.id))
    )
    starts = [y for y in [*manual, first_decree.year if first_decree else None] if y]
    if not starts:
        return []
    this_year = today_wib().year
    out = []
    for year in range(max(min(starts), this_year - MAX_YEARS + 1), this_year + 1):
        try:
            r = indicator.indicator(uow, Scope.of(k.id), [k.slug], Period("year", year))[0]
        except DomainError:
            continue  # a year before any decree (and with no manual figure)
        manual_year = r.source == "manual"
        out.append(
            PublicYear(
                year=year,
                realisasi_pct=r.realisasi_pct,
                target_pct=r.target_pct,
                capaian_pct=r.capaian_pct,
                zones_tertib=None if manual_year else r.zones_tertib,
                zones_designated=None if manual_year else r.zones_designated,
                source=r.source,
            )
        )
    return out


def overview(uow: sessionmaker[Session], slug: str) -> PublicOverview:
    with uow() as s:
        k = _kecamatan(s, slug)
        decrees = [
            PublicDecree(d.id, d.nomor, d.tanggal.isoformat(), d.perihal, has_pdf)
            for d, has_pdf in s.execute(
                select(Decree, DecreeAttachment.decree_id.is_not(None))
                .outerjoin(DecreeAttachment, DecreeAttachment.decree_id == Decree.id)
                .where(Decree.kecamatan_id == k.id, Decree.status == DecreeStatus.BERLAKU)
                .order_by(Decree.tanggal, Decree.nomor)
            )
        ]
        rows = s.execute(
            select(Zone, Kelurahan.name, ZoneStatus)
            .join(Decree, Decree.id == Zone.decree_id)
            .outerjoin(Kelurahan, Kelurahan.id == Zone.kelurahan_id)
            .outerjoin(ZoneStatus, ZoneStatus.zone_id == Zone.id)
            .where(
                Zone.kecamatan_id == k.id,
                Zone.active.is_(True),
                Decree.status == DecreeStatus.BERLAKU,
            )
            .order_by(Zone.kategori, Zone.name)
        ).all()
        zones = []
        for z, kel_name, st in rows:
            tertib = st is not None and st.status == ZoneStatusValue.TERTIB
            zones.append(
                PublicZone(
                    id=z.id,
                    name=z.name,
                    kategori=z.kategori.value,
                    kelurahan=kel_name,
                    status=st.status.value if st else ZoneStatusValue.BELUM_TERTIB.value,
                    status_kategori=st.kategori.value if st and st.kategori else None,
                    verified_on=st.verified_at.date().isoformat()
                    if st and st.verified_at and tertib
                    else None,
                    before=_photos(s, z.id, ReportType.PENERTIBAN) if tertib else [],
                    after=_photos(s, z.id, ReportType.PATROLI) if tertib else [],
                )
            )
        years = _years(uow, s, k)
        return PublicOverview(k.slug, k.name, k.kota.name, k.is_sample, decrees, zones, years)


def photo_key(uow: sessionmaker[Session], slug: str, photo_id: uuid.UUID) -> tuple[str, str]:
    """(storage key, ETag) of the public copy of a photo the page may show: of an
    accepted report of a zone of this kecamatan that is tertib now. Anything else is
    NotFound (the original never)."""
    with uow() as s:
        k = _kecamatan(s, slug)
        row = s.execute(
            select(Photo.web_key, Photo.sha256)
            .join(Report, Report.id == Photo.report_id)
            .join(ZoneStatus, ZoneStatus.zone_id == Report.zone_id)
            .join(Zone, Zone.id == Report.zone_id)
            .where(
                Photo.id == photo_id,
                Photo.kecamatan_id == k.id,
                Photo.web_key.is_not(None),
                Report.review_state == ReviewState.DITERIMA,
                ZoneStatus.status == ZoneStatusValue.TERTIB,
                Zone.active.is_(True),
            )
        ).first()
        if row is None:
            raise NotFound("Foto tidak ditemukan.")
        # The public copy (faces and plates blurred), never the reviewers' web image. Its
        # ETag changes when a reviewer's box makes it again.
        made = privacy.made_at(s, photo_id)
        version = f"-{int(made.timestamp() * 1000)}" if made else ""
        return privacy.public_key(s, photo_id, str(row[0]), "web"), f"{row[1][:32]}-publik{version}"


def decree_pdf(
    uow: sessionmaker[Session], slug: str, decree_id: uuid.UUID
) -> tuple[str, str, bytes]:
    """(filename, sha256, PDF) of a decree in force of this kecamatan: a public act."""
    with uow() as s:
        k = _kecamatan(s, slug)
        att = s.scalar(
            select(DecreeAttachment)
            .join(Decree, Decree.id == DecreeAttachment.decree_id)
            .where(
                Decree.id == decree_id,
                Decree.kecamatan_id == k.id,
                Decree.status == DecreeStatus.BERLAKU,
            )
            .options(undefer(DecreeAttachment.content))
        )
        if att is None:
            raise NotFound("Berkas SK tidak ditemukan.")
        return att.filename, att.sha256, att.content
