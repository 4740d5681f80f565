"""A second kecamatan and fresh objects in either one, for tests of who reaches what.

Shared by tests/integration/test_permissions.py and tests/security (a test module never
imports another): `make_world(app)` adds Bantargebang beside the sample's Medansatria, with
one user of each kecamatan role of its own, and returns a World that makes a new object of a
kind on demand. Needs the `sample` fixture loaded first.
"""

from __future__ import annotations

import functools
import io
import uuid
from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from k3zones.audit import SYSTEM, acting_as
from k3zones.auth import hash_password
from k3zones.enums import KOTA_ROLES
from k3zones.evidence import EvidenceRules
from k3zones.models import (
    AuthSession,
    Kecamatan,
    Kelurahan,
    Kota,
    RenstraTarget,
    Role,
    Team,
    TeamKind,
    TertibKategori,
    User,
)
from k3zones.periods import Period
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import decrees, indicator, teams, zone_status, zones
from k3zones.services import exports as export_service
from k3zones.services.auth import kota_kecamatan_ids
from k3zones.services.decrees import DecreeChanges, put_attachment
from k3zones.services.photos import process_photo, put_photo, spool
from k3zones.services.reports import submit_report
from tests.support.http import demo_password
from tests.support.paths import TESTDATA

ROLES = ["petugas", "trantib", "pimpinan", "admin", "kota", "admin_kota"]
OWN, OTHER = "medansatria", "bantargebang"
ALL = Scope.everything()
# Inside each kecamatan's service area, for zones the factories draw.
POINT = {OWN: [106.985, -6.19], OTHER: [106.995, -6.33]}
# A real one-page PDF (uploads are parsed; a file that only starts with %PDF is refused).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)
JPEG = (TESTDATA / "photos" / "jpg_gps_DSCN0010.jpg").read_bytes()
# Bantargebang's own people: one of each kecamatan role.
OTHER_USERS = {
    "petugas": "petugas.bantargebang",
    "trantib": "trantib.bantargebang",
    "pimpinan": "pimpinan.bantargebang",
    "admin": "admin.bantargebang",
}
OTHER_OFFICER = OTHER_USERS["petugas"]
OTHER_TRANTIB = OTHER_USERS["trantib"]
OWN_TEAM = "Tim 3 Pilar Medansatria (Demo)"  # demo.petugas and demo.petugas2


@functools.cache
def _hash() -> str:
    return hash_password(demo_password("x"))


def other_password(username: str) -> str:
    return demo_password("x")


@functools.cache
def pdf_bytes() -> bytes:
    """A real one-page PDF (decree uploads are parsed)."""
    from pypdf import PdfWriter  # lazy: only the decree cases need it

    w = PdfWriter()
    w.add_blank_page(595, 842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def uid() -> str:
    return uuid.uuid4().hex[:8]


class World:
    """Makes a fresh object of a kind in a kecamatan, so a write never meets a used one."""

    role = "petugas"  # the caller a case acts as: whose own report `author` picks

    def __init__(self, app: Any) -> None:
        self.app = app
        self.storage = app.extensions["k3"].storage
        self.uow = app.extensions["k3"].uow
        self.radius = dict(app.extensions["k3"].settings.default_radius_m)

    def officer(self, kec: str) -> str:
        return OTHER_OFFICER if kec == OTHER else "demo.petugas"

    def reviewer(self, kec: str) -> str:
        return OTHER_TRANTIB if kec == OTHER else "demo.trantib"

    def author(self, kec: str) -> str:
        """Whose report a case acts on: the caller's own where the caller files reports."""
        if kec == OWN and self.role in ("petugas", "trantib", "admin"):
            return f"demo.{self.role}"
        return self.officer(kec)

    def decree(self, kec: str) -> str:
        d = decrees.create_decree(
            self.uow,
            ALL,
            kec,
            DecreeChanges(nomor=f"300/Kep.{uid()}/2024", tanggal=date(2024, 2, 1), perihal="Uji"),
        )
        return str(d.id)

    def decree_with_pdf(self, kec: str) -> str:
        did = self.decree(kec)
        put_attachment(self.uow, ALL, uuid.UUID(did), "sk.pdf", pdf_bytes())
        return did

    def zone(self, kec: str) -> str:
        did = self.decree(kec)
        z = zones.create_zone(
            self.uow,
            ALL,
            uuid.UUID(did),
            {
                "properties": {"name": f"Zona {uid()}", "kategori": "kuning"},
                "geometry": {"type": "Point", "coordinates": POINT[kec]},
            },
            self.radius,
        )
        return str(z.id)

    def user(self, kec: str, role: Role = Role.PETUGAS, **extra: Any) -> str:
        # Straight into the table with one precomputed hash (argon2 is slow on purpose).
        name = f"u{uid()}"
        with self.uow() as s, s.begin():
            city = role in KOTA_ROLES
            kec_id = None if city else s.scalar(select(Kecamatan.id).where(Kecamatan.slug == kec))
            u = User(
                id=uuid.uuid4(),
                username=name,
                full_name=name,
                role=role,
                kecamatan_id=kec_id,
                kota_id=s.scalar(select(Kota.id).where(Kota.kode == "3275")) if city else None,
                password_hash=_hash(),
                **extra,
            )
            s.add(u)
        return str(u.id)

    def empty_kecamatan(self) -> str:
        """A new kecamatan of Kota Bekasi with nothing in it (no area, no people)."""
        slug = f"kosong-{uid()}"
        with acting_as(SYSTEM), self.uow() as s, s.begin():
            kota = s.scalar(select(Kota.id).where(Kota.kode == "3275"))
            s.add(Kecamatan(slug=slug, name=f"Kosong {slug}", kota_id=kota))
        return slug

    def username(self, user_id: str) -> str:
        with self.uow() as s:
            u = s.get(User, uuid.UUID(user_id))
            assert u is not None
            return u.username

    def team(self, kec: str) -> str:
        t = teams.create_team(
            self.uow, None, kecamatan=kec, name=f"Tim {uid()}", kind=TeamKind.SATPOL_PP, units=[]
        )
        return str(t.id)

    def membership(self, kec: str) -> tuple[str, str]:
        team = self.team(kec)
        t = teams.add_member(self.uow, ALL, uuid.UUID(team), uuid.UUID(self.user(kec)), None)
        return team, str(t.members[0].id)

    def team_id(self, name: str) -> str:
        with self.uow() as s:
            tid = s.scalar(select(Team.id).where(Team.name == name))
            assert tid is not None
            return str(tid)

    def principal(self, username: str) -> Principal:
        with self.uow() as s:
            u = s.scalar(select(User).where(User.username == username))
            assert u is not None
            slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == u.kecamatan_id))
        kota_ids = kota_kecamatan_ids(self.uow, u.kota_id)
        return Principal(
            u.id, u.username, u.full_name, u.role, u.kecamatan_id, slug, None, u.kota_id, kota_ids
        )

    def report(
        self, kec: str, author: str | None = None, photos: int = 1, team: str | None = None
    ) -> str:
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": "patroli",
            "started_at": "2024-05-02T08:15:00+07:00",
            "location": {"type": "Point", "coordinates": POINT[kec]},
            "photos_expected": photos,
        }
        if team is not None:
            body["team_id"] = team
        submit_report(self.uow, EvidenceRules(), self.principal(author or self.author(kec)), body)
        return str(body["id"])

    def photo_of(
        self, report_id: str, author: str, data: bytes = JPEG, processed: bool = False
    ) -> str:
        up = spool(io.BytesIO(data), 10**8)
        assert up is not None
        pid = uuid.uuid4()
        put_photo(
            self.uow, self.storage, self.principal(author), uuid.UUID(report_id), pid, up, None
        )
        if processed:
            process_photo(self.uow, self.storage, EvidenceRules(), pid)
        return str(pid)

    def photo(self, kec: str, processed: bool = True) -> str:
        author = self.officer(kec)
        return self.photo_of(self.report(kec, author=author), author, processed=processed)

    def verified_zone(self, kec: str) -> str:
        zid = self.zone(kec)
        who = self.principal(self.reviewer(kec))
        zone_status.verify(self.uow, who, uuid.UUID(zid), TertibKategori.BAIK, "uji")
        return zid

    def snapshot(self, kec: str) -> str:
        self.zone(kec)  # a decree dated 2024 with a zone
        return indicator.create_snapshot(self.uow, ALL, kec, Period("year", 2024))

    def export_job(self, kec: str, built: bool = False) -> str:
        self.zone(kec)
        who = self.principal(self.reviewer(kec))
        job = export_service.request_export(self.uow, who, kec, Period("year", 2024), "csv")
        if built:
            export_service.build(self.uow, self.storage, job.id)
        return str(job.id)

    def session(self, kec: str, user_id: str | None = None) -> str:
        with self.uow() as s, s.begin():
            row = AuthSession(
                id=uuid.uuid4(),
                user_id=uuid.UUID(user_id or self.user(kec)),
                device_id="hp-uji",
                user_agent="Uji/1.0",
                ip="203.0.113.7",
            )
            s.add(row)
        return str(row.id)


def make_world(app: Any) -> World:
    """Bantargebang beside the sample kecamatan, with one user of each kecamatan role."""
    ctx = app.extensions["k3"]
    with acting_as(SYSTEM), ctx.uow() as s, s.begin():
        k = Kecamatan(
            slug=OTHER,
            name="Bantargebang",
            kota_id=s.scalar(select(Kota.id).where(Kota.kode == "3275")),
            extent=from_shape(MultiPolygon([box(106.97, -6.37, 107.02, -6.30)]), srid=4326),
        )
        s.add(k)
        s.flush()
        s.add(Kelurahan(kecamatan_id=k.id, slug="cikiwul", name="Cikiwul"))
        s.add(RenstraTarget(kecamatan_id=k.id, year=2024, target_pct=30))
        for role, username in OTHER_USERS.items():
            s.add(
                User(
                    id=uuid.uuid4(),
                    username=username,
                    full_name=f"{role.title()} Bantargebang",
                    role=Role(role),
                    kecamatan_id=k.id,
                    password_hash=_hash(),
                )
            )
    return World(app)
