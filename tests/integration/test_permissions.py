"""Every endpoint x every role x own/other kecamatan, against the real database.

The expected roles are written out here, apart from api/policy.py, so a change to the
policy that nobody meant shows up as a failing test. A new endpoint without a row here
fails `test_every_endpoint_has_a_row`.
"""

from __future__ import annotations

import base64
import functools
import io
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import box
from sqlalchemy import select

from api.policy import PUBLIC
from k3zones.audit import SYSTEM, acting_as
from k3zones.auth import hash_password
from k3zones.evidence import EvidenceRules
from k3zones.models import (
    AuthSession,
    Kecamatan,
    Kelurahan,
    RenstraTarget,
    Role,
    TeamKind,
    TertibKategori,
    User,
)
from k3zones.periods import Period
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import decrees, indicator, teams, zone_status, zones
from k3zones.services import exports as export_service
from k3zones.services.decrees import DecreeChanges, put_attachment
from k3zones.services.photos import process_photo, put_photo, spool
from k3zones.services.reports import submit_report
from tests.support.http import demo_password, login_client
from tests.support.paths import TESTDATA
from tests.support.payloads import odk_instance

ROLES = ["petugas", "trantib", "pimpinan", "admin", "kota"]
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
OTHER_OFFICER = "petugas.bantargebang"
OTHER_TRANTIB = "trantib.bantargebang"


@functools.cache
def _hash() -> str:
    return hash_password(demo_password("x"))


def uid() -> str:
    return uuid.uuid4().hex[:8]


class World:
    """Makes a fresh object of a kind in a kecamatan, so a write never meets a used one."""

    role = "petugas"
    other_officer = OTHER_OFFICER

    def __init__(self, app: Any) -> None:
        self.app = app
        self.storage = app.extensions["k3"].storage
        self.uow = app.extensions["k3"].uow
        self.radius = dict(app.extensions["k3"].settings.default_radius_m)

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
        put_attachment(self.uow, ALL, uuid.UUID(did), "sk.pdf", PDF)
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

    def user(self, kec: str, role: Role = Role.PETUGAS) -> str:
        # Straight into the table with one precomputed hash: argon2 is slow on purpose, and
        # creating users through the API is tested where it is the subject.
        name = f"u{uid()}"
        with self.uow() as s, s.begin():
            kec_id = (
                None
                if role == Role.KOTA
                else s.scalar(select(Kecamatan.id).where(Kecamatan.slug == kec))
            )
            u = User(
                id=uuid.uuid4(),
                username=name,
                full_name=name,
                role=role,
                kecamatan_id=kec_id,
                password_hash=_hash(),
            )
            s.add(u)
        return str(u.id)

    def team(self, kec: str) -> str:
        t = teams.create_team(
            self.uow, None, kecamatan=kec, name=f"Tim {uid()}", kind=TeamKind.SATPOL_PP, units=[]
        )
        return str(t.id)

    def membership(self, kec: str) -> tuple[str, str]:
        team = self.team(kec)
        t = teams.add_member(self.uow, ALL, uuid.UUID(team), uuid.UUID(self.user(kec)), None)
        return team, str(t.members[0].id)

    def principal(self, username: str) -> Principal:
        with self.uow() as s:
            u = s.scalar(select(User).where(User.username == username))
            assert u is not None
            slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == u.kecamatan_id))
            return Principal(u.id, u.username, u.full_name, u.role, u.kecamatan_id, slug, None)

    def author(self, kec: str) -> str:
        """Whose report a case acts on: the caller's own where the caller files reports."""
        if kec == OTHER:
            return self.other_officer
        return (
            f"demo.{self.role}"
            if self.role in ("petugas", "trantib", "admin")
            else ("demo.petugas")
        )

    def reader_author(self, kec: str) -> str:
        """A report every role of the kecamatan may read: filed by the demo officer."""
        return OTHER_OFFICER if kec == OTHER else "demo.petugas"

    def report(self, kec: str, author: str | None = None, photos: int = 1) -> str:
        body = {
            "id": str(uuid.uuid4()),
            "type": "patroli",
            "started_at": "2024-05-02T08:15:00+07:00",
            "location": {"type": "Point", "coordinates": POINT[kec]},
            "photos_expected": photos,
        }
        submit_report(self.uow, EvidenceRules(), self.principal(author or self.author(kec)), body)
        return body["id"]

    def photo(self, kec: str) -> str:
        rid = self.report(kec, author=OTHER_OFFICER if kec == OTHER else "demo.petugas")
        author = self.principal(OTHER_OFFICER if kec == OTHER else "demo.petugas")
        up = spool(io.BytesIO(JPEG), 10**8)
        assert up is not None
        pid = uuid.uuid4()
        put_photo(self.uow, self.storage, author, uuid.UUID(rid), pid, up, None)
        return str(pid)

    def processed_photo(self, kec: str) -> str:
        """A photo with its web and thumb images made (as the worker would)."""
        pid = self.photo(kec)
        process_photo(self.uow, self.storage, EvidenceRules(), uuid.UUID(pid))
        return pid

    def verified_zone(self, kec: str) -> str:
        zid = self.zone(kec)
        who = self.principal("demo.trantib" if kec == OWN else OTHER_TRANTIB)
        zone_status.verify(self.uow, who, uuid.UUID(zid), TertibKategori.BAIK, "uji")
        return zid

    def snapshot(self, kec: str) -> str:
        self.zone(kec)  # a decree dated 2024 with a zone
        return indicator.create_snapshot(self.uow, ALL, kec, Period("year", 2024))

    def export_job(self, kec: str, built: bool = False) -> str:
        self.zone(kec)
        who = self.principal("demo.trantib" if kec == OWN else OTHER_TRANTIB)
        job = export_service.request_export(self.uow, who, kec, Period("year", 2024), "csv")
        if built:
            export_service.build(self.uow, self.storage, job.id)
        return str(job.id)

    def session(self, kec: str) -> str:
        with self.uow() as s, s.begin():
            row = AuthSession(
                id=uuid.uuid4(), user_id=uuid.UUID(self.user(kec)), device_id="hp-uji"
            )
            s.add(row)
        return str(row.id)


@dataclass
class Case:
    endpoint: str
    method: str
    path: Callable[[World, str], str]
    allowed: str  # roles, space separated
    body: Callable[[World, str], Any] | None = None
    raw: bytes | None = None
    raw_type: str = "application/pdf"
    ok: tuple[int, ...] = (200,)
    other: bool = True  # has an "other kecamatan" variant
    other_status: int = 404  # what naming another kecamatan's object gets
    self_service: bool = False  # acts on the caller's own account: fresh user per call
    basic: bool = False  # ODK Collect signs in with HTTP Basic, not a Bearer token
    form: Callable[[World, str], Any] | None = None  # multipart body
    extra: dict[str, Any] = field(default_factory=dict)


def feature(kec: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": POINT[kec]},
        "properties": {"name": f"Zona {uid()}", "kategori": "merah"},
    }


EVERYONE = "petugas trantib pimpinan admin kota"
CASES = [
    Case("kecamatan.KecamatanList", "GET", lambda w, k: "/api/v1/kecamatan", EVERYONE, other=False),
    Case("decrees.Decrees", "GET", lambda w, k: f"/api/v1/decrees?kecamatan={k}", EVERYONE),
    Case(
        "decrees.Decrees",
        "POST",
        lambda w, k: "/api/v1/decrees",
        "trantib admin",
        body=lambda w, k: {
            "kecamatan": k,
            "nomor": f"SK/{uid()}",
            "tanggal": "2024-03-01",
            "perihal": "Uji",
        },
        ok=(201,),
    ),
    Case("decrees.Decree", "GET", lambda w, k: f"/api/v1/decrees/{w.decree(k)}", EVERYONE),
    Case(
        "decrees.Decree",
        "PATCH",
        lambda w, k: f"/api/v1/decrees/{w.decree(k)}",
        "trantib admin",
        body=lambda w, k: {"notes": "diubah"},
    ),
    Case(
        "decrees.DecreeAttachment",
        "GET",
        lambda w, k: f"/api/v1/decrees/{w.decree_with_pdf(k)}/attachment",
        EVERYONE,
    ),
    Case(
        "decrees.DecreeAttachment",
        "PUT",
        lambda w, k: f"/api/v1/decrees/{w.decree(k)}/attachment",
        "trantib admin",
        raw=PDF,
    ),
    Case("zones.Zones", "GET", lambda w, k: f"/api/v1/zones?kecamatan={k}", EVERYONE),
    Case(
        "zones.Zones",
        "POST",
        lambda w, k: "/api/v1/zones",
        "trantib admin",
        body=lambda w, k: {
            **feature(k),
            "properties": {**feature(k)["properties"], "decree_id": w.decree(k)},
        },
        ok=(201,),
    ),
    Case("zones.Zone", "GET", lambda w, k: f"/api/v1/zones/{w.zone(k)}", EVERYONE),
    Case(
        "zones.Zone",
        "PATCH",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}",
        "trantib admin",
        body=lambda w, k: {"type": "Feature", "properties": {"notes": "diubah"}},
    ),
    Case(
        "zones.Zone",
        "DELETE",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}",
        "trantib admin",
        ok=(204,),
    ),
    Case(
        "zones.ZoneRetire",
        "POST",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}/retire",
        "trantib admin",
        body=lambda w, k: {"reason": "uji"},
    ),
    Case(
        "zones.ZoneMonitoringArea",
        "GET",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}/monitoring-area",
        EVERYONE,
    ),
    Case(
        "zones.ZoneImport",
        "POST",
        lambda w, k: f"/api/v1/decrees/{w.decree(k)}/zones/import",
        "trantib admin",
        body=lambda w, k: {"type": "FeatureCollection", "features": [feature(k)]},
        ok=(201,),
    ),
    Case("targets.Targets", "GET", lambda w, k: f"/api/v1/targets?kecamatan={k}", EVERYONE),
    Case("targets.Target", "GET", lambda w, k: f"/api/v1/targets/2024?kecamatan={k}", EVERYONE),
    Case(
        "targets.Target",
        "PUT",
        lambda w, k: f"/api/v1/targets/2025?kecamatan={k}",
        "pimpinan admin",
        body=lambda w, k: {"target_pct": 35},
        ok=(200, 201),
    ),
    Case(
        "auth.Logout",
        "POST",
        lambda w, k: "/api/v1/auth/logout",
        EVERYONE,
        ok=(204,),
        other=False,
        self_service=True,
    ),
    Case("auth.Me", "GET", lambda w, k: "/api/v1/me", EVERYONE, other=False),
    Case(
        "auth.Me",
        "PATCH",
        lambda w, k: "/api/v1/me",
        EVERYONE,
        other=False,
        body=lambda w, k: {"phone": "0812000000"},
    ),
    Case(
        "auth.MyPassword",
        "POST",
        lambda w, k: "/api/v1/me/password",
        EVERYONE,
        ok=(204,),
        other=False,
        self_service=True,
        body=lambda w, k: {
            "current_password": demo_password("x"),
            "new_password": "Sandi-Baru#2025",
        },
    ),
    Case(
        "users.Users",
        "GET",
        lambda w, k: f"/api/v1/users?kecamatan={k}",
        "trantib pimpinan admin kota",
    ),
    Case(
        "users.Users",
        "POST",
        lambda w, k: "/api/v1/users",
        "admin",
        ok=(201,),
        body=lambda w, k: {
            "username": f"baru{uid()}",
            "password": "Sandi-Awal#2024",
            "full_name": "Petugas Baru",
            "role": "petugas",
            "kecamatan": k,
        },
    ),
    Case(
        "users.User",
        "GET",
        lambda w, k: f"/api/v1/users/{w.user(k)}",
        "trantib pimpinan admin kota",
    ),
    Case(
        "users.User",
        "PATCH",
        lambda w, k: f"/api/v1/users/{w.user(k)}",
        "admin",
        body=lambda w, k: {"phone": "0813"},
    ),
    Case("users.UserSessions", "GET", lambda w, k: f"/api/v1/users/{w.user(k)}/sessions", "admin"),
    Case(
        "users.SessionRevoke",
        "POST",
        lambda w, k: f"/api/v1/sessions/{w.session(k)}/revoke",
        "admin",
        body=lambda w, k: {"reason": "ponsel hilang"},
    ),
    Case("teams.Teams", "GET", lambda w, k: "/api/v1/teams", EVERYONE, other=False),
    Case(
        "teams.Teams",
        "POST",
        lambda w, k: "/api/v1/teams",
        "trantib admin",
        ok=(201,),
        body=lambda w, k: {"name": f"Tim {uid()}", "kind": "dlh", "kecamatan": k},
    ),
    Case("teams.Team", "GET", lambda w, k: f"/api/v1/teams/{w.team(k)}", EVERYONE),
    Case(
        "teams.Team",
        "PATCH",
        lambda w, k: f"/api/v1/teams/{w.team(k)}",
        "trantib admin",
        body=lambda w, k: {"name": f"Tim {uid()}"},
    ),
    Case(
        "teams.TeamMembers",
        "POST",
        lambda w, k: f"/api/v1/teams/{w.team(k)}/members",
        "trantib admin",
        ok=(201,),
        body=lambda w, k: {"user_id": w.user(k)},
    ),
    Case(
        "teams.TeamMemberEnd",
        "POST",
        lambda w, k: "/api/v1/teams/{}/members/{}/end".format(*w.membership(k)),
        "trantib admin",
        body=lambda w, k: {},
    ),
    Case("reports.Reports", "GET", lambda w, k: f"/api/v1/reports?kecamatan={k}", EVERYONE),
    # A report always belongs to the caller's kecamatan: another's zone is a bad field.
    Case(
        "reports.Reports",
        "POST",
        lambda w, k: "/api/v1/reports",
        "petugas trantib admin",
        body=lambda w, k: {
            "id": str(uuid.uuid4()),
            "type": "patroli",
            "started_at": "2024-05-02T08:15:00+07:00",
            "zone_id": w.zone(k),
            "location": {"type": "Point", "coordinates": POINT[OWN]},
        },
        ok=(201,),
        other_status=422,
    ),
    Case(
        "reports.Report",
        "GET",
        lambda w, k: f"/api/v1/reports/{w.report(k, author=w.reader_author(k))}",
        EVERYONE,
    ),
    Case(
        "reports.Report",
        "PATCH",
        lambda w, k: f"/api/v1/reports/{w.report(k)}",
        "petugas trantib admin",
        body=lambda w, k: {
            "type": "patroli",
            "started_at": "2024-05-02T08:20:00+07:00",
            "location": {"type": "Point", "coordinates": POINT[k]},
            "photos_expected": 1,
        },
    ),
    Case(
        "reports.ReportReview",
        "POST",
        lambda w, k: f"/api/v1/reports/{w.report(k, author=w.reader_author(k))}/review",
        "trantib admin",
        body=lambda w, k: {"state": "diterima"},
    ),
    Case(
        "reports.ReportPhoto",
        "PUT",
        lambda w, k: f"/api/v1/reports/{w.report(k)}/photos/{uuid.uuid4()}",
        "petugas trantib admin",
        raw=JPEG,
        raw_type="image/jpeg",
        ok=(201,),
    ),
    # The original (EXIF, GPS): its officer (demo.petugas took it) and the reviewers only,
    # refused in the service (403). Another kecamatan's is 404 for every role, before any
    # 403 (no existence leak): tests/security/test_api1_bola.py.
    Case(
        "reports.PhotoFile",
        "GET",
        lambda w, k: f"/api/v1/photos/{w.photo(k)}/original",
        "petugas trantib admin",
        other=False,
    ),
    Case(
        "reports.PhotoFile",
        "GET",
        lambda w, k: f"/api/v1/photos/{w.processed_photo(k)}/web",
        EVERYONE,
    ),
    Case("status.ZoneStatus", "GET", lambda w, k: f"/api/v1/zones/{w.zone(k)}/status", EVERYONE),
    Case(
        "status.ZoneVerify",
        "POST",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}/verify",
        "trantib admin",
        body=lambda w, k: {"kategori": "baik", "note": "uji"},
    ),
    Case(
        "status.ZoneWithdraw",
        "POST",
        lambda w, k: f"/api/v1/zones/{w.verified_zone(k)}/withdraw",
        "trantib admin",
        body=lambda w, k: {"note": "uji"},
    ),
    Case(
        "status.WilayahTertib",
        "GET",
        lambda w, k: (w.zone(k), f"/api/v1/indicators/wilayah-tertib?year=2024&kecamatan={k}")[1],
        EVERYONE,
    ),
    Case(
        "status.PenurunanPelanggaran",
        "GET",
        lambda w, k: (
            "/api/v1/indicators/penurunan-pelanggaran?year=2024&month=2"
            f"&baseline_year=2024&baseline_month=1&kecamatan={k}"
        ),
        EVERYONE,
    ),
    Case(
        "status.Snapshots",
        "GET",
        lambda w, k: f"/api/v1/snapshots?kecamatan={k}",
        "trantib pimpinan admin kota",
    ),
    Case(
        "status.Snapshots",
        "POST",
        lambda w, k: (w.zone(k), "/api/v1/snapshots")[1],
        "trantib pimpinan admin",
        body=lambda w, k: {"year": 2024, "kecamatan": k},
        ok=(201,),
    ),
    Case(
        "status.SnapshotApprove",
        "POST",
        lambda w, k: f"/api/v1/snapshots/{w.snapshot(k)}/approve",
        "pimpinan",
    ),
    Case(
        "status.ManualYear",
        "PUT",
        lambda w, k: "/api/v1/indicators/wilayah-tertib/manual/2022",
        "pimpinan admin",
        body=lambda w, k: {
            "kecamatan": k,
            "target_pct": 80,
            "realisasi_pct": 82,
            "capaian_pct": 102.5,
        },
    ),
    Case(
        "status.AssessmentRules",
        "GET",
        lambda w, k: f"/api/v1/assessment-rules?kecamatan={k}",
        "trantib pimpinan admin kota",
    ),
    Case(
        "status.AssessmentRules",
        "PUT",
        lambda w, k: "/api/v1/assessment-rules",
        "trantib pimpinan admin",
        ok=(201,),
        body=lambda w, k: {
            "kecamatan": k,
            "min_penertiban": 1,
            "window_days": 14,
            "min_patrols": 4,
        },
    ),
    Case(
        "openrosa.form_list",
        "GET",
        lambda w, k: f"/openrosa/{k}/formList",
        "petugas trantib admin",
        basic=True,
        other_status=404,
    ),
    Case(
        "openrosa.form_xml",
        "GET",
        lambda w, k: f"/openrosa/{k}/forms/k3-patroli.xml",
        "petugas trantib admin",
        basic=True,
    ),
    Case(
        "openrosa.form_manifest",
        "GET",
        lambda w, k: f"/openrosa/{k}/forms/k3-patroli/manifest",
        "petugas trantib admin",
        basic=True,
    ),
    Case(
        "openrosa.zones_media",
        "GET",
        lambda w, k: f"/openrosa/{k}/forms/k3-patroli/zones.csv",
        "petugas trantib admin",
        basic=True,
    ),
    Case(
        "openrosa.submission_head",
        "HEAD",
        lambda w, k: f"/openrosa/{k}/submission",
        "petugas trantib admin",
        basic=True,
        ok=(204,),
    ),
    Case(
        "openrosa.submission",
        "POST",
        lambda w, k: f"/openrosa/{k}/submission",
        "petugas trantib admin",
        basic=True,
        ok=(201,),
        form=lambda w, k: {
            "xml_submission_file": (
                io.BytesIO(odk_instance(str(uuid.uuid4()), photos=0)),
                "submission.xml",
                "text/xml",
            )
        },
    ),
    Case(
        "exports.Exports",
        "POST",
        lambda w, k: (w.zone(k), "/api/v1/exports")[1],
        "trantib pimpinan admin",
        body=lambda w, k: {"format": "csv", "year": 2024, "kecamatan": k},
        ok=(202,),
    ),
    Case(
        "exports.Export",
        "GET",
        lambda w, k: f"/api/v1/exports/{w.export_job(k)}",
        "trantib pimpinan admin",
    ),
    Case(
        "exports.ExportFile",
        "GET",
        lambda w, k: f"/api/v1/exports/{w.export_job(k, built=True)}/file",
        "trantib pimpinan admin",
    ),
    Case(
        "audit.AuditLog",
        "GET",
        lambda w, k: f"/api/v1/audit?kecamatan={k}",
        "trantib pimpinan admin",
    ),
    Case(
        "photo_reads.PhotoReads",
        "GET",
        lambda w, k: f"/api/v1/photo-reads?kecamatan={k}",
        "admin",
    ),
]


@pytest.fixture()
def world(app, sample):  # type: ignore[no-untyped-def]
    ctx = app.extensions["k3"]
    with acting_as(SYSTEM), ctx.uow() as s, s.begin():
        k = Kecamatan(
            slug=OTHER,
            name="Bantargebang",
            kota="Kota Bekasi",
            extent=from_shape(box(106.97, -6.37, 107.02, -6.30), srid=4326),
        )
        s.add(k)
        s.flush()
        s.add(Kelurahan(kecamatan_id=k.id, slug="cikiwul", name="Cikiwul"))
        s.add(RenstraTarget(kecamatan_id=k.id, year=2024, target_pct=30))
        s.add(
            User(
                id=uuid.uuid4(),
                username=OTHER_OFFICER,
                full_name="Petugas Lain",
                role=Role.PETUGAS,
                kecamatan_id=k.id,
                password_hash=_hash(),
            )
        )
        s.add(
            User(
                id=uuid.uuid4(),
                username=OTHER_TRANTIB,
                full_name="Trantib Lain",
                role=Role.TRANTIB,
                kecamatan_id=k.id,
                password_hash=_hash(),
            )
        )
    return World(app)


def _request(client: Any, case: Case, w: World, kec: str) -> Any:
    path = case.path(w, kec)
    kwargs: dict[str, Any] = {}
    if case.form is not None:
        kwargs = {"data": case.form(w, kec), "content_type": "multipart/form-data"}
    elif case.raw is not None:
        kwargs = {"data": case.raw, "content_type": case.raw_type}
    elif case.body is not None:
        kwargs = {"json": case.body(w, kec)}
    if case.basic and getattr(client, "basic_user", None):
        raw = f"{client.basic_user}:{demo_password(client.basic_user)}".encode()
        kwargs["headers"] = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        client = client.application.test_client()  # no Bearer token on this one
    return path, client.open(path, method=case.method, **kwargs)


def _client_for(app: Any, w: World, role: str, case: Case) -> Any:
    if case.self_service:
        # Acts on the account itself (log out, new password): a throwaway account.
        uid_ = w.user(OWN, Role(role))
        with w.uow() as s:
            name = s.get(User, uuid.UUID(uid_)).username  # type: ignore[union-attr]
        return login_client(app, name, demo_password("x"))
    return login_client(app, f"demo.{role}")


def test_every_endpoint_x_role_x_kecamatan(app, world):  # type: ignore[no-untyped-def]
    clients = {r: login_client(app, f"demo.{r}") for r in ROLES}
    for r, c in clients.items():
        c.basic_user = f"demo.{r}"
    anon = app.test_client()
    adapter = app.url_map.bind("localhost")
    failures = []
    for case in CASES:
        allowed = set(case.allowed.split())
        for role, where in itertools.product(ROLES, [OWN, OTHER] if case.other else [OWN]):
            world.role = role
            client = _client_for(app, world, role, case) if case.self_service else clients[role]
            path, resp = _request(client, case, world, where)
            endpoint, _ = adapter.match(path.split("?")[0], method=case.method)
            assert endpoint == case.endpoint, (path, endpoint)
            if role not in allowed:
                want: tuple[int, ...] = (403,)
            elif where == OWN or (role == "kota" and case.method == "GET"):
                want = case.ok
            else:
                # Another kecamatan's object: not even confirmed to exist.
                want = (case.other_status,)
            if resp.status_code not in want:
                failures.append(
                    f"{case.method} {case.endpoint} as {role} on {where}: "
                    f"{resp.status_code}, want {want}: {resp.get_data(as_text=True)[:160]}"
                )
            if resp.status_code >= 400:
                # ODK Collect shows an OpenRosa <message>; everyone else gets problem+json.
                want_type = "text/xml" if case.basic else "application/problem+json"
                assert resp.mimetype == want_type, path
        # Nobody signed in: 401 with a Bearer challenge, whatever the endpoint.
        world.role = "petugas"
        _, resp = _request(anon, case, world, OWN)
        scheme = "Basic" if case.basic else "Bearer"
        if resp.status_code != 401 or scheme not in resp.headers.get("WWW-Authenticate", ""):
            failures.append(f"{case.method} {case.endpoint} anonymous: {resp.status_code}")
    assert not failures, "\n".join(failures)


def test_every_endpoint_has_a_row(app):  # type: ignore[no-untyped-def]
    covered = {(c.endpoint, c.method) for c in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "endpoints with no row in CASES:\n" + "\n".join(missing)
