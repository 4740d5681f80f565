"""Sample data for Kecamatan Medansatria, Kota Bekasi.

From the LKIP 2024: the four kelurahan, decree 300/Kep.15-Kc.Ms.Tib/I/2024 of 15 January
2024 with 10 titik pantau (3 zona merah, 7 zona kuning), and the Renstra targets. The
report names only the three zona merah; the seven zona kuning here carry sample names.
Every geometry is an approximation drawn for demonstration, not a survey: each zone says
so in its notes and carries is_sample = true.

A second kecamatan of Kota Bekasi, Bekasi Utara, gives every test of scope a neighbour:
its six kelurahan carry their real names; its boundary, decree, zones and targets are
invented for the demonstration (DATA CONTOH, is_sample on every row).

Loading is idempotent: rows are matched by their natural keys and only missing ones are
inserted, so a second run changes nothing (and never undoes edits made since).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon, box, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.auth import hash_password
from k3zones.enums import KOTA_ROLES
from k3zones.models import (
    Decree,
    DecreeStatus,
    IndicatorManual,
    Kategori,
    Kecamatan,
    Kelurahan,
    Kota,
    RenstraTarget,
    Report,
    ReportType,
    ReviewState,
    Role,
    Team,
    TeamKind,
    TeamMembership,
    TertibKategori,
    User,
    Zone,
    ZoneStatus,
    ZoneStatusChange,
    ZoneStatusValue,
)
from k3zones.periods import WIB
from k3zones.services.zone_status import recompute_in
from k3zones.zones import default_radius

# Kota Bekasi (BPS 3275), owner of the sample kecamatan.
KOTA = {"kode": "3275", "name": "Kota Bekasi", "provinsi": "Jawa Barat"}
KECAMATAN = {"slug": "medansatria", "name": "Medansatria"}
# Approximate service area with a margin (lon 106.955..107.015, lat -6.225..-6.145).
EXTENT = box(106.955, -6.225, 107.015, -6.145)

KELURAHAN = [
    ("harapanmulya", "Harapanmulya"),
    ("kalibaru", "Kalibaru"),
    ("medansatria", "Medansatria"),
    ("pejuang", "Pejuang"),
]
# Approximate kelurahan boundaries: four boxes that tile the sample area and cover each
# kelurahan's sample zones, drawn for the demonstration map and the open-data layer.
# Marked approximate; never an official border (that is BIG's or
# the Pemkot's layer, imported with `flask kelurahan import`).
BOUNDARY_SOURCE = "perkiraan DATA CONTOH"
KELURAHAN_BOUNDARIES = {
    "medansatria": box(106.9650, -6.2150, 106.9875, -6.1850),
    "harapanmulya": box(106.9875, -6.2150, 107.0050, -6.1850),
    "kalibaru": box(106.9650, -6.1850, 106.9790, -6.1550),
    "pejuang": box(106.9790, -6.1850, 107.0050, -6.1550),
}

DECREE = {
    "nomor": "300/Kep.15-Kc.Ms.Tib/I/2024",
    "tanggal": date(2024, 1, 15),
    "perihal": (
        "Penetapan Lokasi Jalan Taat Ketertiban, Kebersihan dan Keindahan di Wilayah "
        "Kecamatan Medansatria"
    ),
    "notes": (
        "DATA CONTOH. Nomor, tanggal, dan jumlah titik (3 zona merah, 7 zona kuning) sesuai "
        "LKIP 2024 Kecamatan Medansatria; nama 7 zona kuning dan semua geometri adalah contoh."
    ),
}

_NOTE_REAL = "DATA CONTOH: nama jalan sesuai LKIP 2024; geometri perkiraan, bukan hasil survei."
_NOTE_SAMPLE = (
    "DATA CONTOH: LKIP 2024 tidak menyebut nama zona kuning; nama dan geometri ini contoh."
)


@dataclass(frozen=True)
class SampleZone:
    name: str
    kategori: Kategori
    kelurahan: str
    geometry: dict[str, Any]
    target_year: int | None
    notes: str


def _line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


ZONES = [
    SampleZone(
        "Jl. Sultan Agung",
        Kategori.MERAH,
        "medansatria",
        _line((106.9705, -6.2065), (106.9790, -6.2075), (106.9870, -6.2085)),
        2024,
        _NOTE_REAL,
    ),
    SampleZone(
        "Jl. Jenderal Sudirman",
        Kategori.MERAH,
        "harapanmulya",
        _line((106.9880, -6.2040), (106.9935, -6.2065), (106.9985, -6.2090)),
        2024,
        _NOTE_REAL,
    ),
    SampleZone(
        "Jl. Alexindo",
        Kategori.MERAH,
        "pejuang",
        _line((106.9800, -6.1790), (106.9860, -6.1760), (106.9920, -6.1730)),
        2024,
        _NOTE_REAL,
    ),
    SampleZone(
        "Contoh Zona Kuning 1 (Kalibaru)",
        Kategori.KUNING,
        "kalibaru",
        _point(106.9745, -6.1660),
        2025,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 2 (Kalibaru)",
        Kategori.KUNING,
        "kalibaru",
        _line((106.9720, -6.1720), (106.9780, -6.1740)),
        None,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 3 (Medansatria)",
        Kategori.KUNING,
        "medansatria",
        _point(106.9760, -6.1940),
        None,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 4 (Medansatria)",
        Kategori.KUNING,
        "medansatria",
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [106.9805, -6.1970],
                    [106.9840, -6.1970],
                    [106.9840, -6.1995],
                    [106.9805, -6.1995],
                    [106.9805, -6.1970],
                ]
            ],
        },
        None,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 5 (Pejuang)",
        Kategori.KUNING,
        "pejuang",
        _line((106.9900, -6.1650), (106.9960, -6.1630)),
        None,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 6 (Harapanmulya)",
        Kategori.KUNING,
        "harapanmulya",
        _point(106.9950, -6.1950),
        None,
        _NOTE_SAMPLE,
    ),
    SampleZone(
        "Contoh Zona Kuning 7 (Harapanmulya)",
        Kategori.KUNING,
        "harapanmulya",
        _line((106.9900, -6.1880), (106.9970, -6.1870)),
        None,
        _NOTE_SAMPLE,
    ),
]

TARGETS = [(2024, Decimal("30")), (2025, Decimal("35")), (2026, Decimal("40"))]


@dataclass(frozen=True)
class SampleKecamatan:
    slug: str
    name: str
    extent: Polygon
    kelurahan: list[tuple[str, str]]
    boundaries: dict[str, Polygon]
    decree: dict[str, Any]
    zones: list[SampleZone]
    targets: list[tuple[int, Decimal]]


MEDANSATRIA = SampleKecamatan(
    KECAMATAN["slug"],
    KECAMATAN["name"],
    EXTENT,
    KELURAHAN,
    KELURAHAN_BOUNDARIES,
    DECREE,
    ZONES,
    TARGETS,
)

# Bekasi Utara, east of the Medansatria sample area (no overlap: a complaint's point finds
# one kecamatan). Everything but the kelurahan names is invented: DATA CONTOH.
_BU_NOTE = "DATA CONTOH: Kecamatan Bekasi Utara; nama zona dan semua geometri adalah contoh."
BEKASI_UTARA = SampleKecamatan(
    "bekasiutara",
    "Bekasi Utara",
    box(107.015, -6.225, 107.055, -6.160),
    [
        ("harapanbaru", "Harapan Baru"),
        ("harapanjaya", "Harapan Jaya"),
        ("kaliabangtengah", "Kaliabang Tengah"),
        ("margamulya", "Marga Mulya"),
        ("perwira", "Perwira"),
        ("telukpucung", "Teluk Pucung"),
    ],
    {
        "harapanjaya": box(107.0150, -6.2250, 107.0350, -6.2030),
        "perwira": box(107.0350, -6.2250, 107.0550, -6.2030),
        "harapanbaru": box(107.0150, -6.2030, 107.0350, -6.1820),
        "margamulya": box(107.0350, -6.2030, 107.0550, -6.1820),
        "kaliabangtengah": box(107.0150, -6.1820, 107.0350, -6.1600),
        "telukpucung": box(107.0350, -6.1820, 107.0550, -6.1600),
    },
    {
        "nomor": "300/Kep.01-Kc.BU.Tib/I/2024",
        "tanggal": date(2024, 1, 22),
        "perihal": (
            "Penetapan Lokasi Jalan Taat Ketertiban, Kebersihan dan Keindahan di Wilayah "
            "Kecamatan Bekasi Utara (DATA CONTOH)"
        ),
        "notes": "DATA CONTOH: keputusan ini dibuat untuk demonstrasi, bukan SK yang berlaku.",
    },
    [
        SampleZone(
            "Contoh Zona Merah 1 (Harapan Jaya)",
            Kategori.MERAH,
            "harapanjaya",
            _line((107.0200, -6.2150), (107.0260, -6.2140), (107.0320, -6.2130)),
            2024,
            _BU_NOTE,
        ),
        SampleZone(
            "Contoh Zona Merah 2 (Teluk Pucung)",
            Kategori.MERAH,
            "telukpucung",
            _line((107.0400, -6.1700), (107.0460, -6.1690)),
            2025,
            _BU_NOTE,
        ),
        SampleZone(
            "Contoh Zona Kuning 1 (Kaliabang Tengah)",
            Kategori.KUNING,
            "kaliabangtengah",
            _point(107.0250, -6.1700),
            None,
            _BU_NOTE,
        ),
        SampleZone(
            "Contoh Zona Kuning 2 (Perwira)",
            Kategori.KUNING,
            "perwira",
            _point(107.0450, -6.2150),
            None,
            _BU_NOTE,
        ),
    ],
    [(2024, Decimal("25")), (2025, Decimal("30")), (2026, Decimal("35"))],
)
SAMPLE_KECAMATAN = [MEDANSATRIA, BEKASI_UTARA]
# 2023 used another definition; its figures are kept as the LKIP states them.
MANUAL_2023 = (Decimal("83"), Decimal("85"), Decimal("102"))

# 2024 history that makes the LKIP figures: each zona merah got a penertiban, then clean
# patrols on five days, then Seksi Trantib verified it "baik" (dates are sample dates).
HISTORY_2024 = [
    ("Jl. Sultan Agung", date(2024, 3, 4), date(2024, 3, 15)),
    ("Jl. Jenderal Sudirman", date(2024, 6, 3), date(2024, 6, 14)),
    ("Jl. Alexindo", date(2024, 9, 2), date(2024, 9, 13)),
]

# Demo accounts, one per role. Their passwords are generated per installation and never
# committed (see `flask --app app sample load --demo-users-file`).
DEMO_USERS = [
    ("demo.petugas", "Petugas Satpol PP (Demo)", Role.PETUGAS),
    ("demo.petugas2", "Petugas Kecamatan (Demo)", Role.PETUGAS),
    ("demo.trantib", "Staf Seksi Trantib (Demo)", Role.TRANTIB),
    ("demo.pimpinan", "Camat Medansatria (Demo)", Role.PIMPINAN),
    ("demo.admin", "Admin Kecamatan (Demo)", Role.ADMIN),
    ("demo.kota", "Pengguna Tingkat Kota (Demo)", Role.KOTA),
    ("demo.admin_kota", "Admin Kota Bekasi (Demo)", Role.ADMIN_KOTA),
    ("demo.bu.petugas", "Petugas Bekasi Utara (Demo)", Role.PETUGAS),
    ("demo.bu.trantib", "Seksi Trantib Bekasi Utara (Demo)", Role.TRANTIB),
    ("demo.bu.admin", "Admin Kecamatan Bekasi Utara (Demo)", Role.ADMIN),
]
# Demo accounts of kecamatan other than Medansatria.
DEMO_KECAMATAN = {
    "demo.bu.petugas": "bekasiutara",
    "demo.bu.trantib": "bekasiutara",
    "demo.bu.admin": "bekasiutara",
}
DEMO_TEAMS = [
    ("Satpol PP Kecamatan Medansatria (Demo)", TeamKind.SATPOL_PP, [], ["demo.petugas"]),
    (
        "Tim 3 Pilar Medansatria (Demo)",
        TeamKind.TIGA_PILAR,
        ["kecamatan", "koramil", "polsek", "satpol_pp"],
        ["demo.petugas", "demo.petugas2"],
    ),
    ("Satpol PP Kecamatan Bekasi Utara (Demo)", TeamKind.SATPOL_PP, [], ["demo.bu.petugas"]),
]


@dataclass
class LoadResult:
    created: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.created.values())


def load_sample(
    uow: sessionmaker[Session],
    default_radius_m: dict[str, int],
    demo_passwords: Mapping[str, str] | None = None,
    history: bool = True,
) -> LoadResult:
    """Load what is missing. Demo users and teams only when their passwords are given."""
    created = {
        "kecamatan": 0,
        "kelurahan": 0,
        "decree": 0,
        "zone": 0,
        "renstra_target": 0,
        "user": 0,
        "team": 0,
        "zone_history": 0,
    }
    with uow() as s, s.begin():
        # Serialise concurrent loads (make run twice at once) on one advisory lock.
        s.execute(select(func.pg_advisory_xact_lock(0x6B337A)))
        kota_id = _kota(s)
        ids = {
            spec.slug: _load_kecamatan(s, spec, kota_id, default_radius_m, created)
            for spec in SAMPLE_KECAMATAN
        }
        k_id = ids[MEDANSATRIA.slug]
        if s.get(IndicatorManual, (k_id, 2023)) is None:
            t, r, c = MANUAL_2023
            s.add(
                IndicatorManual(
                    kecamatan_id=k_id,
                    year=2023,
                    target_pct=t,
                    realisasi_pct=r,
                    capaian_pct=c,
                    notes="LKIP 2023 (definisi lama), apa adanya",
                )
            )
        if demo_passwords:
            _load_demo_people(s, ids, kota_id, demo_passwords, created)
            if history:
                _load_history(s, k_id, created)
                _initial_status(s, ids[BEKASI_UTARA.slug])
    return LoadResult(created)


def _load_kecamatan(
    s: Session,
    spec: SampleKecamatan,
    kota_id: int,
    default_radius_m: dict[str, int],
    created: dict[str, int],
) -> int:
    """One sample kecamatan: its row, kelurahan (approximate boundaries), decree, zones
    and Renstra targets, each only when missing."""
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == spec.slug))
    if k is None:
        k = Kecamatan(
            slug=spec.slug,
            name=spec.name,
            kota_id=kota_id,
            extent=from_shape(MultiPolygon([spec.extent]), srid=4326),
            is_sample=True,
        )
        s.add(k)
        s.flush()
        created["kecamatan"] += 1
    kel: dict[str, int] = {}
    for slug, name in spec.kelurahan:
        row = s.scalar(
            select(Kelurahan).where(Kelurahan.kecamatan_id == k.id, Kelurahan.slug == slug)
        )
        if row is None:
            row = Kelurahan(kecamatan_id=k.id, slug=slug, name=name)
            s.add(row)
            s.flush()
            created["kelurahan"] += 1
        if row.boundary is None:
            # Also fills in sample kelurahan loaded before boundaries existed.
            row.boundary = from_shape(MultiPolygon([spec.boundaries[slug]]), srid=4326)
            row.boundary_approximate = True
            row.boundary_source = BOUNDARY_SOURCE
        kel[slug] = row.id
    nomor = spec.decree["nomor"]
    d = s.scalar(select(Decree).where(Decree.kecamatan_id == k.id, Decree.nomor == nomor))
    if d is None:
        d = Decree(kecamatan_id=k.id, status=DecreeStatus.BERLAKU, **spec.decree)
        s.add(d)
        s.flush()
        created["decree"] += 1
    names = set(s.scalars(select(Zone.name).where(Zone.decree_id == d.id)))
    for z in spec.zones:
        if z.name in names:
            continue
        geom = shape(z.geometry)
        s.add(
            Zone(
                kecamatan_id=k.id,
                decree_id=d.id,
                kelurahan_id=kel[z.kelurahan],
                name=z.name,
                kategori=z.kategori,
                geom=from_shape(geom, srid=4326),
                radius_m=default_radius(geom, default_radius_m),
                target_year=z.target_year,
                notes=z.notes,
                is_sample=True,
            )
        )
        created["zone"] += 1
    for year, pct in spec.targets:
        if s.get(RenstraTarget, (k.id, year)) is None:
            s.add(
                RenstraTarget(
                    kecamatan_id=k.id, year=year, target_pct=pct, notes="Renstra 2024-2026"
                )
            )
            created["renstra_target"] += 1
    s.flush()
    return k.id


def _initial_status(s: Session, kecamatan_id: int) -> None:
    """Zones without a history start from the rules (belum tertib): every zone has a
    status row."""
    for zone in s.scalars(select(Zone).where(Zone.kecamatan_id == kecamatan_id)):
        if s.get(ZoneStatus, zone.id) is None:
            recompute_in(s, zone, "sistem")


def _sample_report(
    s: Session,
    kecamatan_id: int,
    zone: Zone,
    officer: User,
    reviewer: User,
    kind: ReportType,
    day: date,
    violations: int,
) -> None:
    started = datetime(day.year, day.month, day.day, 8, 0, tzinfo=WIB)
    point = shape(next(z.geometry for z in ZONES if z.name == zone.name))
    loc = point.interpolate(0.5, normalized=True) if point.geom_type != "Point" else point
    r = Report(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"k3zones-sample/{zone.name}/{kind}/{day}"),
        kecamatan_id=kecamatan_id,
        type=kind,
        officer_id=officer.id,
        zone_id=zone.id,
        zone_match="given",
        started_at=started,
        started_offset_min=420,
        ended_at=started + timedelta(hours=1),
        ended_offset_min=420,
        received_at=started + timedelta(hours=2),
        gps=from_shape(loc, srid=4326),
        gps_accuracy_m=Decimal("8.0"),
        units=[],
        findings=[{"kind": "pkl", "count": violations}] if violations else [],
        actions=[{"kind": "teguran_lisan", "count": violations}]
        if kind == ReportType.PENERTIBAN and violations
        else [],
        violation_total=violations,
        notes="DATA CONTOH: riwayat 2024",
        photos_expected=0,
        photos_received=0,
        flags={},
        review_state=ReviewState.DITERIMA,
        reviewed_by=reviewer.id,
        reviewed_at=started + timedelta(days=1),
        version=1,
        body_hash="sample",
        source="sample",
        first_response={},
    )
    s.add(r)


def _load_history(s: Session, kecamatan_id: int, created: dict[str, int]) -> None:
    officer = s.scalar(select(User).where(User.username == "demo.petugas"))
    reviewer = s.scalar(select(User).where(User.username == "demo.trantib"))
    assert officer is not None and reviewer is not None
    for name, enforced, verified in HISTORY_2024:
        zone = s.scalar(select(Zone).where(Zone.kecamatan_id == kecamatan_id, Zone.name == name))
        if zone is None or s.get(ZoneStatus, zone.id) is not None:
            continue  # loaded before (or the zone was removed): leave it as it is
        _sample_report(
            s, kecamatan_id, zone, officer, reviewer, ReportType.PENERTIBAN, enforced, 12
        )
        for i in range(5):
            _sample_report(
                s,
                kecamatan_id,
                zone,
                officer,
                reviewer,
                ReportType.PATROLI,
                verified - timedelta(days=2 * i + 1),
                0,
            )
        s.flush()
        at = datetime(verified.year, verified.month, verified.day, 10, 0, tzinfo=WIB)
        zs = ZoneStatus(
            zone_id=zone.id,
            kecamatan_id=kecamatan_id,
            status=ZoneStatusValue.TERTIB,
            kategori=TertibKategori.BAIK,
            rule_version=1,
            evidence={},
            computed_at=at,
            verified_at=at,
            verified_by=reviewer.id,
            verification_note="DATA CONTOH: verifikasi 2024",
        )
        s.add(zs)
        s.add(
            ZoneStatusChange(
                zone_id=zone.id,
                kecamatan_id=kecamatan_id,
                at=at,
                kind="verify",
                from_status="layak_tertib",
                to_status="tertib",
                kategori="baik",
                reason="Diverifikasi tertib (baik). DATA CONTOH",
                actor=reviewer.username,
                rule_version=1,
                evidence={},
            )
        )
        s.flush()
        recompute_in(s, zone, "sistem")
        created["zone_history"] += 1
    _initial_status(s, kecamatan_id)


def _kota(s: Session) -> int:
    """Kota Bekasi's row (the deployment may have made it already: matched by BPS code)."""
    kota_id = s.scalar(select(Kota.id).where(Kota.kode == KOTA["kode"]))
    if kota_id is None:
        kota = Kota(**KOTA)
        s.add(kota)
        s.flush()
        kota_id = kota.id
    return kota_id


def _load_demo_people(
    s: Session,
    kecamatan_ids: dict[str, int],
    kota_id: int,
    passwords: Mapping[str, str],
    created: dict[str, int],
) -> None:
    ids: dict[str, uuid.UUID] = {}
    for username, name, role in DEMO_USERS:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            u = User(
                id=uuid.uuid4(),
                username=username,
                full_name=name,
                role=role,
                kecamatan_id=None
                if role in KOTA_ROLES
                else kecamatan_ids[DEMO_KECAMATAN.get(username, MEDANSATRIA.slug)],
                kota_id=kota_id if role in KOTA_ROLES else None,
                password_hash=hash_password(passwords[username]),
                is_sample=True,
            )
            s.add(u)
            s.flush()
            created["user"] += 1
        ids[username] = u.id
    for name, kind, units, members in DEMO_TEAMS:
        kecamatan_id = kecamatan_ids[DEMO_KECAMATAN.get(members[0], MEDANSATRIA.slug)]
        t = s.scalar(select(Team).where(Team.kecamatan_id == kecamatan_id, Team.name == name))
        if t is not None:
            continue
        t = Team(
            id=uuid.uuid4(),
            kecamatan_id=kecamatan_id,
            name=name,
            kind=kind,
            units=units,
            is_sample=True,
        )
        s.add(t)
        s.flush()
        created["team"] += 1
        for username in members:
            s.add(
                TeamMembership(
                    id=uuid.uuid4(),
                    kecamatan_id=kecamatan_id,
                    team_id=t.id,
                    user_id=ids[username],
                    joined_on=date(2024, 1, 2),
                )
            )
    s.flush()
