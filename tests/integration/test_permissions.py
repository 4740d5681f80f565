"""Every endpoint x every role x own/other kecamatan, against the real database.

The expected roles are written out here, apart from api/policy.py, so a change to the
policy that nobody meant shows up as a failing test. A new endpoint without a row here
fails `test_every_endpoint_has_a_row`.
"""

from __future__ import annotations

import base64
import io
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from api.policy import PUBLIC
from k3zones.models import Role, ZoneStatusChange
from tests.support.complaints import (
    intake_body,
    new_complaint,
    new_complaint_photo,
    new_notification,
    new_partner_key,
)
from tests.support.http import demo_password, login_client
from tests.support.payloads import odk_instance
from tests.support.plans import missed_task, plan, plan_body
from tests.support.privacy import box_path, complaint_code, shared_photo
from tests.support.world import JPEG, OTHER, OWN, PDF, POINT, ROLES, World, make_world, uid


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


def boundary_layer(kec: str) -> dict[str, Any]:
    """A one-kelurahan boundary layer around the kecamatan's test point."""
    x, y = POINT[kec]
    ring = [[x - 0.01, y - 0.01], [x + 0.01, y - 0.01], [x + 0.01, y + 0.01], [x - 0.01, y + 0.01]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Pejuang" if kec == OWN else "Cikiwul"},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        ],
    }


def new_kecamatan() -> dict[str, Any]:
    """A kecamatan east of the sample's, clear of every other service area."""
    ring = [[107.06, -6.24], [107.1, -6.24], [107.1, -6.2], [107.06, -6.2], [107.06, -6.24]]
    return {
        "slug": f"uji-{uid()}",
        "name": "Kecamatan Uji",
        "boundary": {"type": "Polygon", "coordinates": [ring]},
    }


def history_row(w: World, kec: str) -> int:
    """A zone status change in the kecamatan (a zone verified just now)."""
    zone_id = uuid.UUID(w.verified_zone(kec))
    with w.uow() as s:
        found = s.scalar(
            select(func.max(ZoneStatusChange.id)).where(ZoneStatusChange.zone_id == zone_id)
        )
    assert found is not None
    return int(found)


EVERYONE = "petugas trantib pimpinan admin kota admin_kota"
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
        "trantib pimpinan admin kota admin_kota",
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
        "trantib pimpinan admin kota admin_kota",
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
    Case(
        "reports.ReportsSummary",
        "GET",
        lambda w, k: f"/api/v1/reports/summary?kecamatan={k}",
        EVERYONE,
    ),
    Case("reports.ReportsCsv", "GET", lambda w, k: f"/api/v1/reports.csv?kecamatan={k}", EVERYONE),
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
        lambda w, k: f"/api/v1/reports/{w.report(k, author=w.officer(k))}",
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
        lambda w, k: f"/api/v1/reports/{w.report(k, author=w.officer(k))}/review",
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
        lambda w, k: f"/api/v1/photos/{w.photo(k, processed=False)}/original",
        "petugas trantib admin",
        other=False,
    ),
    Case(
        "reports.PhotoFile",
        "GET",
        lambda w, k: f"/api/v1/photos/{w.photo(k)}/web",
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
        "trantib pimpinan admin kota admin_kota",
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
        "status.SnapshotChanges",
        "GET",
        lambda w, k: f"/api/v1/snapshots/{w.snapshot(k)}/changes",
        "trantib pimpinan admin kota admin_kota",
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
        "trantib pimpinan admin kota admin_kota",
    ),
    Case("labels.Labels", "GET", lambda w, k: "/api/v1/labels", EVERYONE, other=False),
    Case(
        "status.VerificationsDue",
        "GET",
        lambda w, k: f"/api/v1/verifications/due?kecamatan={k}",
        "trantib pimpinan admin kota admin_kota",
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
        "openrosa.tasks_media",
        "GET",
        lambda w, k: f"/openrosa/{k}/forms/k3-patroli/tugas.csv",
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
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "exports.ExportFile",
        "GET",
        lambda w, k: f"/api/v1/exports/{w.export_job(k, built=True)}/file",
        "trantib pimpinan admin kota admin_kota",
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
    # complaints (pengaduan)
    Case(
        "complaints.Complaints",
        "GET",
        lambda w, k: f"/api/v1/complaints?kecamatan={k}",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "complaints.Complaint",
        "GET",
        lambda w, k: f"/api/v1/complaints/{new_complaint(w.app, k)}",
        "trantib pimpinan admin",
    ),
    Case(
        "complaints.ComplaintAction",
        "POST",
        lambda w, k: f"/api/v1/complaints/{new_complaint(w.app, k)}/actions",
        "trantib admin",
        body=lambda w, k: {"action": "terima", "reason": "Laporan jelas"},
    ),
    Case(
        "complaints.ComplaintMerge",
        "POST",
        lambda w, k: f"/api/v1/complaints/{new_complaint(w.app, k)}/merge",
        "trantib admin",
        body=lambda w, k: {"into": new_complaint(w.app, k, "sampah"), "reason": "Sama"},
    ),
    Case(
        "complaints.Complaints",
        "POST",
        lambda w, k: "/api/v1/complaints",
        "trantib admin",
        body=lambda w, k: intake_body(k),
        ok=(201,),
    ),
    Case(
        "complaints.ComplaintLocation",
        "POST",
        lambda w, k: f"/api/v1/complaints/{new_complaint(w.app, k)}/location",
        "trantib admin",
        body=lambda w, k: {"lat": POINT[k][1], "lon": POINT[k][0], "version": 1},
    ),
    Case(
        "complaints.ComplaintPhotoOriginal",
        "GET",
        lambda w, k: f"/api/v1/complaint-photos/{new_complaint_photo(w.app, k)}/original",
        "trantib admin",
    ),
    Case(
        "complaints.Notifications",
        "GET",
        lambda w, k: "/api/v1/complaint-notifications",
        "pimpinan admin",
        other=False,
    ),
    Case(
        "complaints.NotificationRead",
        "POST",
        lambda w, k: f"/api/v1/complaint-notifications/{new_notification(w.app, k)}/read",
        "pimpinan admin",
    ),
    Case(
        "complaints.PartnerKeys",
        "GET",
        lambda w, k: "/api/v1/partner-keys",
        "admin",
        other=False,
    ),
    Case(
        "complaints.PartnerKeys",
        "POST",
        lambda w, k: "/api/v1/partner-keys",
        "admin",
        body=lambda w, k: {"name": f"Aplikasi {uid()}"},
        ok=(201,),
        other=False,
    ),
    Case(
        "complaints.PartnerKeyRevoke",
        "POST",
        lambda w, k: f"/api/v1/partner-keys/{new_partner_key(w.app, k)}/revoke",
        "admin",
    ),
    Case(
        "complaints.ComplaintFigures",
        "GET",
        lambda w, k: f"/api/v1/complaint-figures?kecamatan={k}&period=2026",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "complaints.ComplaintSla",
        "GET",
        lambda w, k: f"/api/v1/complaint-sla?kecamatan={k}",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "complaints.ComplaintSla",
        "PUT",
        lambda w, k: "/api/v1/complaint-sla",
        "pimpinan admin",
        body=lambda w, k: {"kecamatan": k, "category": "pkl", "state": "baru", "working_days": 2},
    ),
    # kelurahan boundaries (admin) and the OGC API's staff collections (api/ogc.py signs
    # in by itself; Bearer here, HTTP Basic in tests/integration/test_ogc.py)
    Case(
        "kelurahan.KelurahanBoundaries",
        "POST",
        lambda w, k: f"/api/v1/kecamatan/{k}/kelurahan/boundaries?source=Uji",
        "admin",
        body=lambda w, k: boundary_layer(k),
    ),
    # jadwal patroli
    Case("plans.Plans", "GET", lambda w, k: f"/api/v1/plans?kecamatan={k}", EVERYONE),
    Case(
        "plans.Plans",
        "POST",
        lambda w, k: "/api/v1/plans",
        "trantib admin",
        body=lambda w, k: plan_body(w, k),
        ok=(201,),
    ),
    Case("plans.Plan", "GET", lambda w, k: f"/api/v1/plans/{plan(w, k)}", EVERYONE),
    Case(
        "plans.Plan",
        "PUT",
        lambda w, k: f"/api/v1/plans/{plan(w, k)}",
        "trantib admin",
        body=lambda w, k: plan_body(w, k, rrule="FREQ=WEEKLY;BYDAY=MO"),
    ),
    Case(
        "plans.Tasks",
        "POST",
        lambda w, k: "/api/v1/tasks",
        "trantib admin",
        body=lambda w, k: {
            "zone_id": w.zone(k),
            "team_id": w.team(k),
            "activity": "penertiban",
            "date": "2024-05-02",
            "window_start": "08:00",
            "window_end": "12:00",
        },
        ok=(201,),
    ),
    Case(
        "plans.TaskReason",
        "POST",
        lambda w, k: f"/api/v1/tasks/{missed_task(w, k)}/reason",
        "petugas trantib admin",
        body=lambda w, k: {"reason": "Hujan deras, jalan tergenang."},
    ),
    Case("plans.MyTasks", "GET", lambda w, k: "/api/v1/me/tasks", EVERYONE, other=False),
    Case(
        "plans.Coverage",
        "GET",
        lambda w, k: f"/api/v1/coverage?kecamatan={k}&year=2024",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.reports_collection",
        "GET",
        lambda w, k: f"/ogc/kecamatan/{k}/collections/reports",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.reports_items",
        "GET",
        lambda w, k: f"/ogc/kecamatan/{k}/collections/reports/items",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.reports_item",
        "GET",
        lambda w, k: (
            f"/ogc/kecamatan/{k}/collections/reports/items/"
            f"{w.report(k, author=w.officer(k), photos=0)}"
        ),
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.history_collection",
        "GET",
        lambda w, k: f"/ogc/kecamatan/{k}/collections/zone-status-history",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.history_items",
        "GET",
        lambda w, k: f"/ogc/kecamatan/{k}/collections/zone-status-history/items",
        "trantib pimpinan admin kota admin_kota",
    ),
    Case(
        "ogc.history_item",
        "GET",
        lambda w, k: (
            f"/ogc/kecamatan/{k}/collections/zone-status-history/items/{history_row(w, k)}"
        ),
        "trantib pimpinan admin kota admin_kota",
    ),
    # evidence chain (one chain for the city: no other-kecamatan variant of verify)
    Case(
        "chain.ChainVerify",
        "GET",
        lambda w, k: "/api/v1/chain/verify",
        "admin kota admin_kota",
        other=False,
    ),
    Case(
        "chain.ChainVerify",
        "POST",
        lambda w, k: "/api/v1/chain/verify",
        "admin kota admin_kota",
        other=False,
        ok=(202,),
    ),
    Case(
        "chain.EvidencePacket",
        "GET",
        lambda w, k: f"/api/v1/zones/{w.zone(k)}/evidence-packet?year=2024",
        "trantib pimpinan admin kota admin_kota",
    ),
    # privacy: blur boxes (reviewers of the photo's kecamatan); retention, a person's
    # export and erasure (admin of the kecamatan)
    Case(
        "privacy.BlurBoxes",
        "GET",
        lambda w, k: f"/api/v1/photos/{shared_photo(w, k)}/blur-boxes",
        "trantib admin",
    ),
    Case(
        "privacy.BlurBoxes",
        "POST",
        lambda w, k: f"/api/v1/photos/{shared_photo(w, k)}/blur-boxes",
        "trantib admin",
        body=lambda w, k: {"x": 2, "y": 2, "w": 6, "h": 6},
        ok=(201,),
    ),
    Case("privacy.BlurBox", "DELETE", box_path, "trantib admin"),
    Case("privacy.Retention", "GET", lambda w, k: f"/api/v1/retention?kecamatan={k}", "admin"),
    Case(
        "privacy.Retention",
        "PUT",
        lambda w, k: f"/api/v1/retention?kecamatan={k}",
        "admin",
        body=lambda w, k: {
            "originals_years": 5,
            "derivatives_years": 5,
            "contact_days": 365,
            "access_log_days": 730,
        },
    ),
    Case(
        "privacy.OfficerExport",
        "GET",
        lambda w, k: f"/api/v1/people/officers/{w.user(k)}/export",
        "admin",
    ),
    Case(
        "privacy.ComplainantExport",
        "GET",
        lambda w, k: (
            f"/api/v1/people/complainants/{complaint_code(w.app, new_complaint(w.app, k))}/export"
        ),
        "admin",
    ),
    Case(
        "privacy.ComplainantErase",
        "POST",
        lambda w, k: (
            f"/api/v1/people/complainants/{complaint_code(w.app, new_complaint(w.app, k))}/erase"
        ),
        "admin",
        body=lambda w, k: {"reason": "Permintaan pelapor"},
    ),
    # the city view: kota-level readers only (their kota's kecamatan; no kecamatan named)
    Case(
        "kota.Ringkasan",
        "GET",
        lambda w, k: "/api/v1/kota/ringkasan?year=2024",
        "kota admin_kota",
        other=False,
    ),
    Case(
        "kota.Rekap",
        "POST",
        lambda w, k: "/api/v1/kota/rekap",
        "kota admin_kota",
        body=lambda w, k: {"year": 2024, "format": "csv"},
        ok=(202,),
        other=False,
    ),
    # onboarding a kecamatan (admin kota writes; kota-level users read their kota's)
    Case(
        "onboarding.KotaKecamatan",
        "GET",
        lambda w, k: "/api/v1/kota/kecamatan",
        "kota admin_kota",
        other=False,
    ),
    Case(
        "onboarding.KotaKecamatan",
        "POST",
        lambda w, k: "/api/v1/kota/kecamatan",
        "admin_kota",
        body=lambda w, k: new_kecamatan(),
        ok=(201,),
        other=False,
    ),
    Case(
        "onboarding.Checklist",
        "GET",
        lambda w, k: f"/api/v1/kota/kecamatan/{k}/checklist",
        "kota admin_kota",
    ),
    Case(
        "onboarding.OnboardKelurahan",
        "POST",
        lambda w, k: f"/api/v1/kota/kecamatan/{k}/kelurahan",
        "admin_kota",
        body=lambda w, k: boundary_layer(k),
        other=False,
    ),
    Case(
        "onboarding.OnboardTargets",
        "PUT",
        lambda w, k: f"/api/v1/kota/kecamatan/{k}/targets",
        "admin_kota",
        body=lambda w, k: {"targets": [{"year": 2030, "target_pct": 30}]},
        other=False,
    ),
    Case(
        "onboarding.OnboardDecree",
        "POST",
        lambda w, k: f"/api/v1/kota/kecamatan/{k}/decree",
        "admin_kota",
        body=lambda w, k: {
            "nomor": f"300/Kep.{uid()}/2024",
            "tanggal": "2024-02-01",
            "perihal": "Uji",
            "zones": {"type": "FeatureCollection", "features": [feature(k)]},
        },
        ok=(201,),
        other=False,
    ),
    Case(
        "onboarding.OnboardAdmin",
        "POST",
        lambda w, k: f"/api/v1/kota/kecamatan/{w.empty_kecamatan()}/admin",
        "admin_kota",
        body=lambda w, k: {
            "username": f"u{uid()}",
            "password": "Sandi-Awal#2026",
            "full_name": "A",
        },
        ok=(201,),
        other=False,
    ),
]


@pytest.fixture()
def world(app, sample):  # type: ignore[no-untyped-def]
    return make_world(app)


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
        name = w.username(w.user(OWN, Role(role)))
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
            elif where == OWN or (role in ("kota", "admin_kota") and case.method == "GET"):
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
