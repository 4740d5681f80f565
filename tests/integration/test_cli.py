"""The operator's CLI: the first admin, and account chores from scripts."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.support.http import login_client
from tests.support.paths import ROOT

FLASK = str(Path(sys.executable).parent / "flask")


def cli(*args: str, password: str | None = None, stdin: str | None = None):
    env = {**os.environ}
    env.pop("K3_NEW_PASSWORD", None)
    if password:
        env["K3_NEW_PASSWORD"] = password
    return subprocess.run(
        [FLASK, "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_first_admin_then_list_deactivate_and_reset(app, sample, engine):
    r = cli(
        "users",
        "create",
        "siti.admin",
        "--role",
        "admin",
        "--kecamatan",
        "medansatria",
        "--name",
        "Siti",
        password="Sandi-Awal#2024",
    )
    assert r.returncode == 0, r.stderr
    admin = login_client(app, "siti.admin", "Sandi-Awal#2024")
    assert admin.get("/api/v1/me").get_json()["role"] == "admin"

    r = cli(
        "users",
        "create",
        "kota.reader",
        "--role",
        "kota",
        stdin="Sandi-Kota#2024\nSandi-Kota#2024\n",
    )
    assert r.returncode == 0, r.stderr
    assert "kota.reader\tkota\t-\taktif" in cli("users", "list").stdout

    bad = cli(
        "users",
        "create",
        "x.y",
        "--role",
        "petugas",
        "--kecamatan",
        "atlantis",
        password="Sandi-Awal#2024",
    )
    assert bad.returncode != 0 and "atlantis" in bad.stderr
    weak = cli(
        "users",
        "create",
        "x.z",
        "--role",
        "petugas",
        "--kecamatan",
        "medansatria",
        password="pendek",
    )
    assert weak.returncode != 0 and "paling sedikit 10" in weak.stderr

    assert cli("users", "reset-password", "siti.admin", password="Sandi-Baru#2025").returncode == 0
    assert admin.get("/api/v1/me").status_code == 401  # old sessions ended
    login_client(app, "siti.admin", "Sandi-Baru#2025")
    assert cli("users", "deactivate", "siti.admin").returncode == 0
    assert "siti.admin\tadmin\tmedansatria\tnonaktif" in cli("users", "list").stdout
    r = app.test_client().post(
        "/api/v1/auth/login", json={"username": "siti.admin", "password": "Sandi-Baru#2025"}
    )
    assert r.status_code == 401

    audit = login_client(app, "demo.admin").get("/api/v1/audit?entity=app_user").get_json()
    assert any(e["actor"].startswith("cli:") for e in audit["items"])


def _readme_cli_lines() -> list[list[str]]:
    """The `bin/k3 ...` lines of the README's shell blocks."""
    out, in_shell = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell = line.strip() in ("```sh", "```bash", "```console")
        elif in_shell and line.startswith("bin/k3 "):
            out.append(shlex.split(line, comments=True)[1:])
    return out


def test_every_cli_line_of_the_readme_is_a_real_command(app):
    """Each `bin/k3 ...` line parses against the real commands: an unknown command or
    option fails here (--help stops before anything runs or asks for a password)."""
    lines = _readme_cli_lines()
    assert len(lines) >= 5
    runner = app.test_cli_runner()
    for args in lines:
        r = runner.invoke(args=[*[a for a in args if a != "--help"], "--help"])
        assert r.exit_code == 0, (args, r.output)
        assert "Usage:" in r.output


def test_bin_k3_runs_the_cli_with_the_local_services():
    r = subprocess.run(
        [str(ROOT / "bin" / "k3"), "users", "list", "--help"],
        cwd="/",  # works from anywhere, as an operator would call it
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "--kecamatan" in r.stdout
