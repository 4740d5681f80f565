"""k3zones.metrics without services: which histogram a task feeds, bounded labels, and the
multiprocess folder the worker and gunicorn share with a scrape."""

from __future__ import annotations

from prometheus_client import REGISTRY

from k3zones import metrics


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_photo_task_feeds_the_photo_histogram_and_an_export_the_export_one():
    photo = value("k3zones_photo_processing_seconds_count", task="process_photo")
    export = value("k3zones_export_duration_seconds_count", state="FAILURE")
    other = value("k3zones_photo_processing_seconds_count", task="recompute_zone")
    metrics.observe_task("workers.tasks.process_photo", "SUCCESS", 1.5)
    metrics.observe_task("workers.tasks.build_export", "FAILURE", 3.0)
    metrics.observe_task("workers.tasks.recompute_zone", "SUCCESS", 0.1)
    assert value("k3zones_photo_processing_seconds_count", task="process_photo") == photo + 1
    assert value("k3zones_export_duration_seconds_count", state="FAILURE") == export + 1
    assert value("k3zones_photo_processing_seconds_count", task="recompute_zone") == other
    assert (
        value(
            "k3zones_task_duration_seconds_bucket",
            task="workers.tasks.process_photo",
            state="SUCCESS",
            le="2.5",
        )
        >= 1
    )


def test_request_labels_stay_bounded():
    before = value(
        "k3zones_http_requests_total", endpoint="unmatched", method="other", status="4xx"
    )
    metrics.observe_request(None, "BREW", 418, 0.01)
    assert (
        value("k3zones_http_requests_total", endpoint="unmatched", method="other", status="4xx")
        == before + 1
    )
    assert [metrics.status_class(s) for s in (200, 302, 404, 503, 99, 600)] == [
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "other",
        "other",
    ]


def test_the_multiprocess_folder_is_emptied_at_start(tmp_path):
    folder = tmp_path / "metrik"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "sub").mkdir()
    metrics.clean_multiprocess_dir(str(folder))
    assert folder.is_dir() and list(folder.iterdir()) == []
    metrics.clean_multiprocess_dir(str(tmp_path / "baru"))  # made when missing
    assert (tmp_path / "baru").is_dir()
