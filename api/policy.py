"""Who may call what: one table, enforced for every request in api.security.

Keys are Flask endpoint names ("blueprint.View") and HTTP methods. An endpoint missing
from this table is refused for everyone (fail closed), and the permission test fails
until the endpoint has an entry there too.
"""

from __future__ import annotations

from k3zones.models import Role

P, T, PI, A, K = Role.PETUGAS, Role.TRANTIB, Role.PIMPINAN, Role.ADMIN, Role.KOTA
AK = Role.ADMIN_KOTA  # the city administrator: reads what kota reads, onboards kecamatan

EVERYONE = frozenset({P, T, PI, A, K, AK})
STAFF = frozenset({T, PI, A})  # the kecamatan office
KOTA_LEVEL = frozenset({K, AK})  # read the kecamatan of their kota, write none of them
KEC_STAFF_AND_KOTA = STAFF | KOTA_LEVEL
ZONE_EDITORS = frozenset({T, A})  # Seksi Trantib owns the decree's zones
TARGET_EDITORS = frozenset({PI, A})
ADMINS = frozenset({A})
REPORTERS = frozenset({P, T, A})  # who goes out on patrol and files reports
REVIEWERS = frozenset({T, A})

# Reachable without signing in.
PUBLIC = frozenset(
    {
        "health.healthz",
        "health.readyz",
        # Prometheus: its own rule (loopback/private networks, or K3_METRICS_TOKEN).
        "metrics.scrape",
        "index",
        "swagger_static",
        "static",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "auth.Login",
        "auth.Refresh",
        # The console page and its static files: all it shows comes from the API, signed in.
        "console.page",
        "console.vendor",
        "console.static",
        # Open311 GeoReport v2: reads are public; POST checks the partner's api_key itself.
        "open311.services",
        "open311.service_definition",
        "open311.requests_",
        "open311.request_one",
        "open311.token",
        # The public complaint form, its status page and its photos (EXIF-free copies).
        "lapor.form",
        "lapor.submit",
        "lapor.status",
        "lapor.photo",
        # OGC API - Features (/ogc): open data. The blueprint signs callers in itself
        # (HTTP Basic for QGIS/GDAL, or Bearer) and refuses the staff endpoints
        # ogc.reports_* / ogc.history_* to anyone their POLICY rows below leave out.
        "ogc.landing",
        "ogc.conformance",
        "ogc.api_doc",
        "ogc.collections",
        "ogc.collection",
        "ogc.items",
        "ogc.item",
        "ogc.reports_collection",
        "ogc.reports_items",
        "ogc.reports_item",
        "ogc.history_collection",
        "ogc.history_items",
        "ogc.history_item",
        # The public transparency page, its photos (accepted reports of tertib zones,
        # web derivatives only) and the PDF of a decree in force.
        "publik.page",
        "publik.photo",
        "publik.decree_pdf",
    }
)

POLICY: dict[tuple[str, str], frozenset[Role]] = {
    ("kecamatan.KecamatanList", "GET"): EVERYONE,
    # decrees and zones
    ("decrees.Decrees", "GET"): EVERYONE,
    ("decrees.Decrees", "POST"): ZONE_EDITORS,
    ("decrees.Decree", "GET"): EVERYONE,
    ("decrees.Decree", "PATCH"): ZONE_EDITORS,
    ("decrees.DecreeAttachment", "GET"): EVERYONE,
    ("decrees.DecreeAttachment", "PUT"): ZONE_EDITORS,
    ("zones.Zones", "GET"): EVERYONE,
    ("zones.Zones", "POST"): ZONE_EDITORS,
    ("zones.Zone", "GET"): EVERYONE,
    ("zones.Zone", "PATCH"): ZONE_EDITORS,
    ("zones.Zone", "DELETE"): ZONE_EDITORS,
    ("zones.ZoneRetire", "POST"): ZONE_EDITORS,
    ("zones.ZoneMonitoringArea", "GET"): EVERYONE,
    ("zones.ZoneImport", "POST"): ZONE_EDITORS,
    # targets
    ("targets.Targets", "GET"): EVERYONE,
    ("targets.Target", "GET"): EVERYONE,
    ("targets.Target", "PUT"): TARGET_EDITORS,
    # signed-in user
    ("auth.Logout", "POST"): EVERYONE,
    ("auth.Me", "GET"): EVERYONE,
    ("auth.Me", "PATCH"): EVERYONE,
    ("auth.MyPassword", "POST"): EVERYONE,
    # people and teams
    ("users.Users", "GET"): KEC_STAFF_AND_KOTA,
    ("users.Users", "POST"): ADMINS,
    ("users.User", "GET"): KEC_STAFF_AND_KOTA,
    ("users.User", "PATCH"): ADMINS,
    ("users.UserSessions", "GET"): ADMINS,
    ("users.SessionRevoke", "POST"): ADMINS,
    ("teams.Teams", "GET"): EVERYONE,
    ("teams.Teams", "POST"): ADMINS | {T},
    ("teams.Team", "GET"): EVERYONE,
    ("teams.Team", "PATCH"): ADMINS | {T},
    ("teams.TeamMembers", "POST"): ADMINS | {T},
    ("teams.TeamMemberEnd", "POST"): ADMINS | {T},
    # reports and photos (row-level rules, own/team/kecamatan, are in the service)
    ("reports.Reports", "GET"): EVERYONE,
    ("reports.Reports", "POST"): REPORTERS,
    ("reports.Report", "GET"): EVERYONE,
    ("reports.Report", "PATCH"): REPORTERS,
    ("reports.ReportReview", "POST"): REVIEWERS,
    ("reports.ReportPhoto", "PUT"): REPORTERS,
    ("reports.PhotoFile", "GET"): EVERYONE,
    # zone status and the indicator
    ("status.ZoneStatus", "GET"): EVERYONE,
    ("status.ZoneVerify", "POST"): REVIEWERS,
    ("status.ZoneWithdraw", "POST"): REVIEWERS,
    ("status.WilayahTertib", "GET"): EVERYONE,
    ("status.PenurunanPelanggaran", "GET"): EVERYONE,
    ("status.Snapshots", "GET"): KEC_STAFF_AND_KOTA,
    ("status.Snapshots", "POST"): STAFF,
    ("status.SnapshotApprove", "POST"): frozenset({PI}),
    ("status.ManualYear", "PUT"): frozenset({PI, A}),
    ("status.AssessmentRules", "GET"): KEC_STAFF_AND_KOTA,
    ("status.AssessmentRules", "PUT"): frozenset({T, PI, A}),
    ("status.VerificationsDue", "GET"): KEC_STAFF_AND_KOTA,
    ("labels.Labels", "GET"): EVERYONE,
    ("status.SnapshotChanges", "GET"): KEC_STAFF_AND_KOTA,
    ("reports.ReportsSummary", "GET"): EVERYONE,
    ("reports.ReportsCsv", "GET"): EVERYONE,
    ("exports.Exports", "POST"): STAFF,
    # a job's status and file: kota-level users follow their kota's recap here too (and
    # may read the LKIP exports of their kecamatan, as they read their figures)
    ("exports.Export", "GET"): KEC_STAFF_AND_KOTA,
    ("exports.ExportFile", "GET"): KEC_STAFF_AND_KOTA,
    # ODK Collect (OpenRosa, HTTP Basic)
    ("openrosa.form_list", "GET"): REPORTERS,
    ("openrosa.form_xml", "GET"): REPORTERS,
    ("openrosa.form_manifest", "GET"): REPORTERS,
    ("openrosa.zones_media", "GET"): REPORTERS,
    ("openrosa.tasks_media", "GET"): REPORTERS,
    ("openrosa.submission_head", "HEAD"): REPORTERS,
    ("openrosa.submission", "POST"): REPORTERS,
    # audit trail
    ("audit.AuditLog", "GET"): STAFF,  # sign-in IP/device, NIP/phone, EXIF: admin only
    # who opened a photo's original (with EXIF/GPS), when and from where
    ("photo_reads.PhotoReads", "GET"): ADMINS,
    # complaints (pengaduan): reporter contact is in the detail, kecamatan staff only
    ("complaints.Complaints", "GET"): KEC_STAFF_AND_KOTA,
    ("complaints.Complaint", "GET"): STAFF,
    ("complaints.ComplaintAction", "POST"): REVIEWERS,
    ("complaints.ComplaintMerge", "POST"): REVIEWERS,
    # staff intake (phone, WhatsApp...), the point set by hand, a photo's original (EXIF)
    ("complaints.Complaints", "POST"): REVIEWERS,
    ("complaints.ComplaintLocation", "POST"): REVIEWERS,
    ("complaints.ComplaintPhotoOriginal", "GET"): REVIEWERS,
    ("complaints.Notifications", "GET"): frozenset({PI, A}),
    ("complaints.NotificationRead", "POST"): frozenset({PI, A}),
    ("complaints.PartnerKeys", "GET"): ADMINS,
    ("complaints.PartnerKeys", "POST"): ADMINS,
    ("complaints.PartnerKeyRevoke", "POST"): ADMINS,
    ("complaints.ComplaintFigures", "GET"): KEC_STAFF_AND_KOTA,
    ("complaints.ComplaintSla", "GET"): KEC_STAFF_AND_KOTA,
    ("complaints.ComplaintSla", "PUT"): frozenset({PI, A}),
    # jadwal patroli: plans by Seksi Trantib/admin; tasks of the officer's own teams
    ("plans.Plans", "GET"): EVERYONE,
    ("plans.Plans", "POST"): ZONE_EDITORS,
    ("plans.Plan", "GET"): EVERYONE,
    ("plans.Plan", "PUT"): ZONE_EDITORS,
    ("plans.Tasks", "POST"): ZONE_EDITORS,
    ("plans.TaskReason", "POST"): REPORTERS,  # petugas: members of the task's team only
    ("plans.MyTasks", "GET"): EVERYONE,
    ("plans.Coverage", "GET"): KEC_STAFF_AND_KOTA,
    # kelurahan boundaries (the map's reference layer, the open-data collection)
    ("kelurahan.KelurahanBoundaries", "POST"): ADMINS,
    # OGC API staff collections (reports, zone-status-history), checked in api/ogc.py;
    # officer usernames in them only for trantib/admin of the row's kecamatan
    ("ogc.reports_collection", "GET"): KEC_STAFF_AND_KOTA,
    ("ogc.reports_items", "GET"): KEC_STAFF_AND_KOTA,
    ("ogc.reports_item", "GET"): KEC_STAFF_AND_KOTA,
    ("ogc.history_collection", "GET"): KEC_STAFF_AND_KOTA,
    ("ogc.history_items", "GET"): KEC_STAFF_AND_KOTA,
    ("ogc.history_item", "GET"): KEC_STAFF_AND_KOTA,
    # evidence chain: verification (admin, kota); the evidence packet of a zone and year
    ("chain.ChainVerify", "GET"): frozenset({A}) | KOTA_LEVEL,
    ("chain.ChainVerify", "POST"): frozenset({A}) | KOTA_LEVEL,
    ("chain.EvidencePacket", "GET"): KEC_STAFF_AND_KOTA,
    # privacy: blur boxes of the public photo (reviewers of the photo's kecamatan);
    # retention periods, a person's data export and a complainant's erasure (admin)
    ("privacy.BlurBoxes", "GET"): REVIEWERS,
    ("privacy.BlurBoxes", "POST"): REVIEWERS,
    ("privacy.BlurBox", "DELETE"): REVIEWERS,
    ("privacy.Retention", "GET"): ADMINS,
    ("privacy.Retention", "PUT"): ADMINS,
    ("privacy.OfficerExport", "GET"): ADMINS,
    ("privacy.ComplainantExport", "GET"): ADMINS,
    ("privacy.ComplainantErase", "POST"): ADMINS,
    # the city view (tampilan kota) and its recap: kota-level readers, their scope only
    ("kota.Ringkasan", "GET"): KOTA_LEVEL,
    ("kota.Rekap", "POST"): KOTA_LEVEL,  # queued; followed at exports.Export
    # onboarding a kecamatan into the kota (issue 17): kota users read the list and the
    # checklists of their kota; the city administrator adds a kecamatan and its first data
    ("onboarding.KotaKecamatan", "GET"): KOTA_LEVEL,
    ("onboarding.KotaKecamatan", "POST"): frozenset({AK}),
    ("onboarding.Checklist", "GET"): KOTA_LEVEL,
    ("onboarding.OnboardKelurahan", "POST"): frozenset({AK}),
    ("onboarding.OnboardTargets", "PUT"): frozenset({AK}),
    ("onboarding.OnboardDecree", "POST"): frozenset({AK}),
    ("onboarding.OnboardAdmin", "POST"): frozenset({AK}),
}
