"""`docker compose up --scale api=3 --scale worker=3` behind the proxy, checked from the
files (no Docker engine here): what would stop replicas from starting or sharing work."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import ROOT


def services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]  # type: ignore[no-any-return]


def test_scaled_services_publish_no_host_port_and_have_no_fixed_name():
    s = services()
    for name in ("api", "worker"):
        # A fixed host port or container name allows exactly one replica.
        assert "ports" not in s[name] and "container_name" not in s[name], name
    assert s["api"]["expose"] == ["8000"]
    # The proxy is the only way in, and it publishes K3_PORT.
    assert s["proxy"]["ports"] == ["${K3_PORT:-8000}:8080"]
    assert "container_name" not in s["beat"]


def test_the_proxy_spreads_over_every_api_replica_and_hides_metrics():
    proxy = services()["proxy"]
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    assert "./docker/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    # `server ... resolve` in an upstream: nginx >= 1.27.3 (open source).
    major, minor = map(int, re.match(r"nginx:(\d+)\.(\d+)", proxy["image"]).groups())  # type: ignore[union-attr]
    assert (major, minor) >= (1, 28)
    conf = (ROOT / "docker" / "nginx.conf").read_text()
    assert re.search(r"upstream k3zones_api \{[^}]*server api:8000 resolve;", conf)
    assert "resolver 127.0.0.11" in conf and "zone k3zones_api" in conf
    assert "proxy_pass http://k3zones_api;" in conf
    assert re.search(r"location = /metrics \{\s*return 404;", conf)
    assert "listen 8080;" in conf
    # Big enough for a photo of K3_MAX_PHOTO_BYTES (20 MB by default).
    assert int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) > 20  # type: ignore[union-attr]
    assert "X-Request-ID $k3_request_id" in conf
    # Healthchecked at a path answered by nginx itself.
    assert "/proxy-healthz" in " ".join(proxy["healthcheck"]["test"])


def test_one_migration_before_any_replica_and_the_replicas_only_serve():
    s = services()
    assert s["migrate"]["command"] == ["migrate"] and s["migrate"]["restart"] == "no"
    assert s["api"]["command"] == ["serve"]
    assert s["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    serve = entry[entry.index("serve() {") : entry.index("\n}\n", entry.index("serve() {"))]
    assert "alembic" not in serve and "gunicorn -c /app/gunicorn_conf.py" in serve


def test_metrics_and_logs_settings_reach_every_process():
    s = services()
    for name in ("migrate", "api", "worker", "beat"):
        env = s[name]["environment"]
        assert env["PROMETHEUS_MULTIPROC_DIR"] == "/run/k3zones-metrics", name
        # A folder of each container: replicas never add up each other's values.
        assert "/run/k3zones-metrics" in s[name]["tmpfs"], name
        assert env["K3_LOG_FORMAT"] == "${K3_LOG_FORMAT:-json}", name
        assert env["K3_PROXY_COUNT"] == "${K3_PROXY_COUNT:-1}", name
    worker = s["worker"]
    assert worker["environment"]["K3_WORKER_METRICS_PORT"] == "9808"
    assert worker["expose"] == ["9808"]
    assert "9808/metrics" in " ".join(worker["healthcheck"]["test"])
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert entry.count("clean_metrics\n") >= 2  # the api's and the worker's start
    # The gunicorn config the image runs exists where the Dockerfile copies it from.
    assert "COPY docker/gunicorn_conf.py ./gunicorn_conf.py" in (ROOT / "Dockerfile").read_text()


def test_replicas_share_the_photos_and_one_beat_schedules():
    s = services()
    for name in ("api", "worker"):
        assert "photos:/data/photos" in s[name]["volumes"], name
        assert s[name]["environment"]["K3_STORAGE"] == "${K3_STORAGE:-local}"
    # Beat is not scaled: its healthcheck-free single replica is the only scheduler.
    assert s["beat"]["command"] == ["beat"] and "deploy" not in s["beat"]


def test_the_gunicorn_config_loads_and_configures_json_logs(monkeypatch, tmp_path):
    import runpy  # why: executes the config file as gunicorn does, only in this test

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("K3_LOG_FORMAT", "json")
    conf = runpy.run_path(str(ROOT / "docker" / "gunicorn_conf.py"))
    assert conf["accesslog"] == "-"
    assert "{x-request-id}o" in conf["access_log_format"]
    fmt = conf["logconfig_dict"]["formatters"]["k3"]
    assert fmt["()"] == "k3zones.logging_setup.JSONFormatter"
    # Heartbeat files in memory, not on the container's overlay filesystem.
    shm = Path("/dev/shm")
    writable = shm.is_dir() and os.access(shm, os.W_OK)
    assert conf.get("worker_tmp_dir") == ("/dev/shm" if writable else None)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "counter_1.db").write_bytes(b"old")
    conf["on_starting"](None)
    assert list((tmp_path / "m").iterdir()) == []
