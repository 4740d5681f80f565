"""OpenAPI links: where the id a create answers with is used next. They tell a generated
client (and Schemathesis' stateful tests) how the main flows chain: a report is filed,
read, corrected and reviewed; an SK is entered and its zones drawn; an export is asked
for and its status read."""

from __future__ import annotations

from typing import Any

_ID = "$response.body#/id"

# (source path, method, status) -> [(link name, target path, target method, {param: expr})]
LINKS: dict[tuple[str, str, str], list[tuple[str, str, str, dict[str, str]]]] = {
    ("/api/v1/reports", "post", "201"): [
        ("BacaLaporan", "/api/v1/reports/{report_id}", "get", {"report_id": _ID}),
        ("UbahLaporan", "/api/v1/reports/{report_id}", "patch", {"report_id": _ID}),
        ("PeriksaLaporan", "/api/v1/reports/{report_id}/review", "post", {"report_id": _ID}),
    ],
    ("/api/v1/decrees", "post", "201"): [
        ("BacaSK", "/api/v1/decrees/{decree_id}", "get", {"decree_id": _ID}),
        ("UbahSK", "/api/v1/decrees/{decree_id}", "patch", {"decree_id": _ID}),
        ("UnggahPDF", "/api/v1/decrees/{decree_id}/attachment", "put", {"decree_id": _ID}),
        ("ImporZona", "/api/v1/decrees/{decree_id}/zones/import", "post", {"decree_id": _ID}),
    ],
    ("/api/v1/zones", "post", "201"): [
        ("BacaZona", "/api/v1/zones/{zone_id}", "get", {"zone_id": _ID}),
        ("UbahZona", "/api/v1/zones/{zone_id}", "patch", {"zone_id": _ID}),
        ("HapusZona", "/api/v1/zones/{zone_id}", "delete", {"zone_id": _ID}),
        ("PensiunkanZona", "/api/v1/zones/{zone_id}/retire", "post", {"zone_id": _ID}),
        ("StatusZona", "/api/v1/zones/{zone_id}/status", "get", {"zone_id": _ID}),
        ("AreaPantau", "/api/v1/zones/{zone_id}/monitoring-area", "get", {"zone_id": _ID}),
    ],
    ("/api/v1/teams", "post", "201"): [
        ("BacaTim", "/api/v1/teams/{team_id}", "get", {"team_id": _ID}),
        ("UbahTim", "/api/v1/teams/{team_id}", "patch", {"team_id": _ID}),
        ("TambahAnggota", "/api/v1/teams/{team_id}/members", "post", {"team_id": _ID}),
    ],
    ("/api/v1/users", "post", "201"): [
        ("BacaPengguna", "/api/v1/users/{user_id}", "get", {"user_id": _ID}),
        ("UbahPengguna", "/api/v1/users/{user_id}", "patch", {"user_id": _ID}),
        ("SesiPengguna", "/api/v1/users/{user_id}/sessions", "get", {"user_id": _ID}),
    ],
    ("/api/v1/snapshots", "post", "201"): [
        (
            "SetujuiSnapshot",
            "/api/v1/snapshots/{snapshot_id}/approve",
            "post",
            {"snapshot_id": _ID},
        ),
    ],
    ("/api/v1/plans", "post", "201"): [
        ("BacaJadwal", "/api/v1/plans/{plan_id}", "get", {"plan_id": _ID}),
        ("UbahJadwal", "/api/v1/plans/{plan_id}", "put", {"plan_id": _ID}),
    ],
    ("/api/v1/exports", "post", "202"): [
        ("StatusEkspor", "/api/v1/exports/{job_id}", "get", {"job_id": _ID}),
        ("UnduhEkspor", "/api/v1/exports/{job_id}/file", "get", {"job_id": _ID}),
    ],
}


def linked_operations() -> set[str]:
    """The operations the links join ("POST /api/v1/reports", ...): the main flows."""
    out = set()
    for (path, method, _), links in LINKS.items():
        out.add(f"{method.upper()} {path}")
        out.update(f"{m.upper()} {target}" for _, target, m, _ in links)
    return out


def _ref(path: str, method: str) -> str:
    """A JSON pointer to an operation (RFC 6901: "~" -> "~0", "/" -> "~1")."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(paths: dict[str, Any]) -> None:
    """Writes LINKS into the registered paths. A link to an operation that is not there
    is a programming error: it fails at start-up, not in a client."""
    for (path, method, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        out = response.setdefault("links", {})
        for name, target, target_method, parameters in links:
            if target_method not in paths.get(target, {}):
                raise LookupError(f"link {name}: no operation {target_method.upper()} {target}")
            out[name] = {"operationRef": _ref(target, target_method), "parameters": parameters}
