"""The deployment files agree with the code (no Docker engine here to try them)."""

import json
import re
from urllib.parse import urlsplit

import yaml

from k3zones.settings import Settings
from tests.support.paths import ROOT


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_its_services_with_healthy_dependencies():
    c = compose()
    assert set(c["services"]) == {"postgis", "redis", "migrate", "api", "worker", "beat", "proxy"}
    assert c["services"]["api"]["depends_on"]["postgis"]["condition"] == "service_healthy"
    assert c["services"]["worker"]["depends_on"]["api"]["condition"] == "service_healthy"
    # api and worker see the same photos.
    assert "photos:/data/photos" in c["services"]["worker"]["volumes"]
    assert "photos:/data/photos" in c["services"]["api"]["volumes"]


def test_every_k3_variable_in_compose_is_one_the_settings_read():
    read = set(re.findall(r'"(K3_[A-Z0-9_]+)"', (ROOT / "k3zones" / "settings.py").read_text()))
    env = compose()["services"]["api"]["environment"]
    # K3_X_FILE is K3_X read from a file (Settings.from_env does that for every K3_X).
    assert {k.removesuffix("_FILE") for k in env if k.startswith("K3_")} <= read


def test_compose_publishes_only_the_proxy():
    services = compose()["services"]
    assert [name for name, svc in services.items() if "ports" in svc] == ["proxy"]
    for name in ("postgis", "redis"):
        assert "expose" not in services[name] and "network_mode" not in services[name], name


def test_compose_secrets_are_files_and_every_file_variable_names_one():
    c = compose()
    declared = c["secrets"]
    assert set(declared) >= {"db_password", "redis_password", "secret_key"}
    # Files on the host (never committed), not environment values or external ones.
    for name, spec in declared.items():
        assert set(spec) == {"file"} and spec["file"] == f"./secrets/{name}", name
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "/secrets/" in ignored and "secrets" in (ROOT / ".dockerignore").read_text().split()
    for name, svc in c["services"].items():
        mounted = set(svc.get("secrets", []))
        assert mounted <= set(declared), name
        env = svc.get("environment", {})
        for key, value in env.items():
            if key.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                assert value == f"/run/secrets/{secret}" and secret in mounted, (name, key)
    app_env = c["services"]["api"]["environment"]
    assert app_env["K3_SECRET_KEY_FILE"] == "/run/secrets/secret_key"
    assert app_env["K3_DB_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert app_env["K3_REDIS_PASSWORD_FILE"] == "/run/secrets/redis_password"
    assert c["services"]["postgis"]["environment"]["POSTGRES_PASSWORD_FILE"] == (
        "/run/secrets/db_password"
    )


def test_compose_has_no_secret_in_its_environment():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("K3_SECRET_KEY", "K3_DB_PASSWORD", "K3_REDIS_PASSWORD", "POSTGRES_PASSWORD"):
        assert not re.search(rf"^\s*{name}:", text, re.M), name
    for name, svc in compose()["services"].items():
        for key, value in svc.get("environment", {}).items():
            # No password inside a URL either: they come from the secret files.
            if key.endswith("_URL"):
                assert urlsplit(str(value)).password is None, (name, key)


def test_compose_redis_requires_the_password_from_its_secret():
    redis = compose()["services"]["redis"]
    assert "redis_password" in redis["secrets"]
    command = " ".join(redis["command"])
    assert '--requirepass "$$(cat /run/secrets/redis_password)"' in command
    # Through the image's entrypoint, so the server drops root as usual.
    assert "exec docker-entrypoint.sh redis-server" in command
    # The healthcheck authenticates: a NOAUTH answer is not healthy.
    health = " ".join(redis["healthcheck"]["test"])
    assert "/run/secrets/redis_password" in health and "PONG" in health


def test_compose_roles_exist_in_the_entrypoint():
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    for name in ("migrate", "api", "worker", "beat"):
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
    # .env holds no secret at all: they are the files of docker-compose.yml's secrets.
    env_example = (ROOT / ".env.example").read_text()
    for name in ("SECRET_KEY", "PASSWORD", "AWS_SECRET_ACCESS_KEY"):
        assert not re.search(rf"^[A-Z0-9_]*{name}[A-Z0-9_]*=", env_example, re.M), name


def test_the_entrypoint_hands_s3_key_files_to_boto3():
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY" in entry and "_FILE" in entry
    text = (ROOT / "docker-compose.yml").read_text()
    # The S3 keys are (commented) secrets, never plain environment values.
    assert not re.search(r"^\s*AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY):", text, re.M)
    assert re.search(r"^\s*# AWS_SECRET_ACCESS_KEY_FILE: /run/secrets/", text, re.M)


def test_the_local_redis_has_a_password_kept_off_command_lines():
    script = (ROOT / "scripts" / "services.sh").read_text()
    # Generated once per checkout under var/secrets/, written into redis.conf (0600).
    assert '"$VAR/secrets/redis_password"' in script
    assert "printf 'requirepass %s\\n'" in script and "umask 077" in script
    # Clients get it through the environment, never as an argument ps would show.
    assert 'REDISCLI_AUTH="$(redis_password)" redis-cli' in script
    assert "--requirepass" not in script and not re.search(r"redis-cli[^\n]* -a ", script)
    assert "K3_REDIS_URL='redis://:$(redis_password)@127.0.0.1:$REDIS_PORT/$redis_db'" in script
