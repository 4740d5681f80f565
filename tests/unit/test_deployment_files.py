"""The deployment files agree with the code (no Docker engine here to try them)."""

import json
import re

import yaml

from k3zones.settings import Settings
from tests.support.paths import ROOT


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_healthy_dependencies():
    c = compose()
    assert set(c["services"]) == {"postgis", "redis", "api", "worker", "beat"}
    assert c["services"]["api"]["depends_on"]["postgis"]["condition"] == "service_healthy"
    assert c["services"]["worker"]["depends_on"]["api"]["condition"] == "service_healthy"
    # api and worker see the same photos.
    assert "photos:/data/photos" in c["services"]["worker"]["volumes"]
    assert "photos:/data/photos" in c["services"]["api"]["volumes"]


def test_every_k3_variable_in_compose_is_one_the_settings_read():
    read = set(re.findall(r'"(K3_[A-Z0-9_]+)"', (ROOT / "k3zones" / "settings.py").read_text()))
    env = compose()["services"]["api"]["environment"]
    assert {k for k in env if k.startswith("K3_")} <= read


def test_compose_roles_exist_in_the_entrypoint():
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    for name in ("api", "worker", "beat"):
        role = compose()["services"][name]["command"][0]
        assert re.search(rf"^\s+{role}\)", entry, re.M), role


def test_dockerfile_copies_what_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), src


def test_the_console_packages_are_locked():
    lock = json.loads((ROOT / "console" / "package-lock.json").read_text())
    pkg = json.loads((ROOT / "console" / "package.json").read_text())
    for name, version in pkg["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_no_secret_has_a_default():
    s = Settings.from_env(
        {"K3_DATABASE_URL": "postgresql+psycopg://x/y", "K3_SECRET_KEY": "k" * 40}
    )
    assert s.secret_key == "k" * 40
    env_example = (ROOT / ".env.example").read_text()
    assert re.search(r"^K3_SECRET_KEY=$", env_example, re.M)
    assert re.search(r"^K3_DB_PASSWORD=$", env_example, re.M)
