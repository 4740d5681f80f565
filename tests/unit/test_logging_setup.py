"""Log lines as JSON (or text) carrying the request id: k3zones.logging_setup."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from k3zones import logging_setup
from k3zones.logging_setup import (
    ContextFilter,
    JSONFormatter,
    bind_request_id,
    clean_request_id,
    dict_config,
    log_format,
    reset_request_id,
    task_context,
)


def _logger(
    fmt: logging.Formatter, name: str = "k3zones.uji"
) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(fmt)
    handler.addFilter(ContextFilter())
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log, out


def test_a_line_is_one_json_object_with_the_request_id():
    log, out = _logger(JSONFormatter())
    token = bind_request_id("rid-123")
    try:
        log.info("laporan %s diterima", 'a\nb "kutip" <b>')
    finally:
        reset_request_id(token)
    log.info("di luar permintaan")
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["request_id"] == "rid-123" and first["level"] == "INFO"
    assert first["logger"] == "k3zones.uji"
    assert first["message"] == 'laporan a\nb "kutip" <b> diterima'
    assert first["ts"].endswith("+00:00")
    assert "request_id" not in second  # none bound: no stale id from the request before


def test_an_exception_stays_inside_its_line():
    log, out = _logger(JSONFormatter())
    try:
        raise ValueError("gagal")
    except ValueError:
        log.exception("ekspor gagal")
    [line] = out.getvalue().splitlines()
    body = json.loads(line)
    assert "ValueError: gagal" in body["exc_info"]


def test_a_task_binds_its_request_and_its_name():
    log, out = _logger(JSONFormatter())
    with task_context("rid-dari-api", "t-1", "workers.tasks.process_photo"):
        log.info("memproses")
    body = json.loads(out.getvalue())
    assert body["request_id"] == "rid-dari-api"
    assert (body["task_id"], body["task_name"]) == ("t-1", "workers.tasks.process_photo")
    assert logging_setup.current_request_id() is None


def test_gunicorns_access_line_takes_the_id_from_the_response_header():
    log, out = _logger(JSONFormatter(), "gunicorn.access")
    atoms = {
        "h": "10.0.0.7",
        "m": "POST",
        "U": "/api/v1/reports",
        "q": "token=rahasia",
        "s": "201",
        "B": 120,
        "D": 15300,
        "a": "ODKCollect/2024",
        "{x-request-id}o": "rid-akses",
    }
    log.info("%(h)s %(s)s", atoms)
    body = json.loads(out.getvalue())
    assert body["request_id"] == "rid-akses"
    assert body["status"] == 201 and body["duration_ms"] == 15.3
    assert body["method"] == "POST" and body["path"] == "/api/v1/reports"
    assert "rahasia" not in out.getvalue()  # no query string: it may carry tokens
    assert body["message"] == "10.0.0.7 201"


def test_text_format_for_a_developers_console():
    log, out = _logger(logging.Formatter(logging_setup.TEXT_FORMAT))
    token = bind_request_id("rid-teks")
    try:
        log.warning("lambat")
    finally:
        reset_request_id(token)
    assert out.getvalue().rstrip().endswith("WARNING k3zones.uji [rid-teks] lambat")


def test_dict_config_is_accepted_by_the_standard_library():
    for fmt in ("json", "text"):
        cfg = dict_config(fmt)
        assert cfg["loggers"]["gunicorn.access"]["propagate"] is False
        logging.config.dictConfig({**cfg, "root": {"level": "INFO", "handlers": []}})
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})


def test_the_format_setting_and_the_request_id_accepted():
    assert log_format({}) == "text"
    assert log_format({"K3_LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(ValueError, match="K3_LOG_FORMAT"):
        log_format({"K3_LOG_FORMAT": "xml"})
    assert clean_request_id("a1-b2_c3.d4") == "a1-b2_c3.d4"
    for bad in ("", "x" * 65, "a b", "a\nb", "<script>", '"', None):
        assert clean_request_id(bad) is None, bad
