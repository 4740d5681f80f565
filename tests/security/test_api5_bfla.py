"""API5:2023 Broken Function Level Authorization, for k3zones.

What it proves: a role reaches only the functions api/policy.py gives it. The list of
calls is derived from the permission table itself: every (endpoint, method) whose entry
leaves a role out is called by a signed-in user of that role, on a URL the app really
routes, and must answer 403 (problem+json in Bahasa Indonesia; ODK Collect's OpenRosa
endpoints answer with their XML message), before any object is looked up, so a new admin
function is covered the day it gets its policy row. The functions that matter most are
named as well (user management, sessions, the photo-original read log, review, zone
verification, assessment rules, targets, snapshot approval, exports), so a policy change
that quietly opens one of them fails here too. Two functions are decided per caller in
the service rather than the table and are checked directly: the details of the audit
trail (admin only) and the `officer=` filter of the report list (reviewers only).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from werkzeug.routing import Rule

from api.policy import POLICY, PUBLIC
from k3zones.models import Role
from tests.support.http import PROBLEM, assert_problem, demo_password, login_client

ROLES = [Role.PETUGAS, Role.TRANTIB, Role.PIMPINAN, Role.ADMIN, Role.KOTA]
# Functions that must stay closed to these roles whatever else changes.
SENSITIVE: dict[tuple[str, str], set[str]] = {
    ("users.Users", "POST"): {"petugas", "trantib", "pimpinan", "kota"},
    ("users.User", "PATCH"): {"petugas", "trantib", "pimpinan", "kota"},
    ("users.UserSessions", "GET"): {"petugas", "trantib", "pimpinan", "kota"},
    ("users.SessionRevoke", "POST"): {"petugas", "trantib", "pimpinan", "kota"},
    ("photo_reads.PhotoReads", "GET"): {"petugas", "trantib", "pimpinan", "kota"},
    ("audit.AuditLog", "GET"): {"petugas", "kota"},
    ("reports.ReportReview", "POST"): {"petugas", "pimpinan", "kota"},
    ("status.ZoneVerify", "POST"): {"petugas", "pimpinan", "kota"},
    ("status.ZoneWithdraw", "POST"): {"petugas", "pimpinan", "kota"},
    ("status.AssessmentRules", "PUT"): {"petugas", "kota"},
    ("targets.Target", "PUT"): {"petugas", "trantib", "kota"},
    ("status.SnapshotApprove", "POST"): {"petugas", "trantib", "admin", "kota"},
    ("status.ManualYear", "PUT"): {"petugas", "trantib", "kota"},
    ("exports.Exports", "POST"): {"petugas", "kota"},
    # kota users fetch their city recap here, and the LKIP files of their kota's
    # kecamatan (the figures they already read); a field officer never does
    ("exports.ExportFile", "GET"): {"petugas"},
    ("zones.Zones", "POST"): {"petugas", "pimpinan", "kota"},
    ("decrees.Decrees", "POST"): {"petugas", "pimpinan", "kota"},
    ("teams.Teams", "POST"): {"petugas", "pimpinan", "kota"},
}


def _sample_value(rule: Rule, name: str) -> str:
    conv = type(rule._converters[name]).__name__  # werkzeug has no public accessor
    if conv == "UUIDConverter":
        return str(uuid.uuid4())
    if conv in ("IntegerConverter", "NumberConverter"):
        return "2024"
    return {"variant": "original", "kecamatan": "medansatria"}.get(name, "medansatria")


def _url(app: Any, endpoint: str, method: str) -> str | None:
    """A URL the app routes to this endpoint and method (None if it is not mounted)."""
    if endpoint not in app.view_functions:
        return None
    for rule in app.url_map.iter_rules(endpoint):
        if method in (rule.methods or set()):
            values = {a: _sample_value(rule, a) for a in rule.arguments}
            with app.test_request_context():
                adapter = app.url_map.bind("localhost")
                return adapter.build(endpoint, values, method=method)
    return None


def _refusals(app: Any) -> list[tuple[str, str, Role, str]]:
    out = []
    for (endpoint, method), allowed in sorted(POLICY.items(), key=lambda kv: kv[0]):
        url = _url(app, endpoint, method)
        if url is None:
            continue  # not mounted in this app (bench only with K3_BENCH=1)
        out.extend((endpoint, method, role, url) for role in ROLES if role not in allowed)
    return out


@pytest.fixture()
def clients(app: Any, sample: Any) -> dict[Role, Any]:
    return {r: login_client(app, f"demo.{r.value}") for r in ROLES}


def test_every_function_the_policy_withholds_is_403(app: Any, clients: dict[Role, Any]) -> None:
    refusals = _refusals(app)
    assert len(refusals) > 40  # the table really was read
    failures = []
    for endpoint, method, role, url in refusals:
        client = clients[role]
        kwargs: dict[str, Any] = {}
        if endpoint.startswith("openrosa."):
            raw = f"demo.{role.value}:{demo_password(f'demo.{role.value}')}".encode()
            kwargs["headers"] = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
            client = app.test_client()
        elif method not in ("GET", "HEAD", "DELETE"):
            kwargs["json"] = {}
        resp = client.open(url, method=method, **kwargs)
        want_type = "text/xml" if endpoint.startswith("openrosa.") else PROBLEM
        if resp.status_code != 403 or resp.mimetype != want_type:
            failures.append(f"{method} {url} ({endpoint}) as {role.value}: {resp.status_code}")
            continue
        if want_type == PROBLEM:
            body = resp.get_json()
            assert body["status"] == 403 and "tidak diizinkan" in body["detail"], body
    assert not failures, "\n".join(failures)


def test_the_sensitive_functions_stay_closed(app: Any) -> None:
    """Named, so a policy change that opens one of them is seen (the matrix test in
    tests/integration/test_permissions.py writes every row out as well)."""
    derived = {(e, m, r.value) for e, m, r, _ in _refusals(app)}
    missing = [
        f"{m} {e} for {r}"
        for (e, m), roles in SENSITIVE.items()
        for r in roles
        if (e, m, r) not in derived
    ]
    assert not missing, "now open:\n" + "\n".join(missing)


def test_no_endpoint_escapes_the_table(app: Any) -> None:
    """Fail closed: every routed endpoint outside PUBLIC has a policy row (a missing row
    is refused for everyone, which the test above would not notice)."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in POLICY:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "\n".join(missing)


def test_audit_details_are_an_admin_function(app: Any, clients: dict[Role, Any]) -> None:
    signed_in = login_client(app, "demo.petugas")  # a device session in the trail
    url = f"/api/v1/audit?entity=auth_session&entity_id={signed_in.tokens['session_id']}"
    [mine] = clients[Role.ADMIN].get(url).get_json()["items"]
    assert mine["hidden"] == [] and mine["changes"]["user_agent"]["after"] != "[disembunyikan]"
    for role in (Role.TRANTIB, Role.PIMPINAN):
        [e] = clients[role].get(url).get_json()["items"]
        assert e["ip"] is None and "changes.user_agent" in e["hidden"], role


def test_listing_by_officer_is_a_reviewer_function(clients: dict[Role, Any]) -> None:
    officer = clients[Role.PETUGAS].tokens["user"]["id"]
    url = f"/api/v1/reports?officer={officer}"
    for role in (Role.TRANTIB, Role.ADMIN):
        assert clients[role].get(url).status_code == 200, role
    assert clients[Role.PETUGAS].get(url).status_code == 200  # their own reports
    for role in (Role.PIMPINAN, Role.KOTA):
        assert_problem(clients[role].get(url), 403, "Seksi Trantib")
    other = clients[Role.TRANTIB].tokens["user"]["id"]
    assert_problem(clients[Role.PETUGAS].get(f"/api/v1/reports?officer={other}"), 403)
