"""What a worker process holds before its first task: the photo path only (the worker's
peak memory on a phone photo is measured by `make bench WHAT=memory`, aim < 150 MB)."""

import json
import subprocess
import sys

from tests.support.paths import ROOT

# Never needed to derive a photo: the HTTP layer, the export writers, the other tasks'
# services (each task imports its own when it first runs), OpenCV (imported by the
# detection itself), FFmpeg (by the first HEIC).
NOT_AT_START = (
    "flask",
    "flask_smorest",
    "marshmallow",
    "openpyxl",
    "docx",
    "reportlab",
    "pypdf",
    "jinja2",
    "holidays",
    "cv2",
    "av",
    "jwt",
    "k3zones.evidence_packet",
    "k3zones.services.exports",
    "k3zones.services.complaints",
    "k3zones.services.indicator",
    "k3zones.services.chain",
)

PROBE = """
import json, sys
import workers.main, workers.tasks
print(json.dumps(sorted(set(sys.modules) & set(sys.argv[1:]))))
"""


def test_a_worker_process_starts_without_what_photos_never_need():
    env = {
        "PATH": "/usr/bin:/bin",
        # Nothing is connected at import: the engine and the Redis clients are lazy.
        "K3_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none_test",
        "K3_REDIS_URL": "redis://127.0.0.1:9/0",
        "K3_SECRET_KEY": "x" * 32,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "k3zones.services.photos", *NOT_AT_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # The photo service is there (the probe saw what a worker imports), nothing else is.
    assert json.loads(done.stdout.splitlines()[-1]) == ["k3zones.services.photos"]


def test_every_beat_entry_names_a_task_the_worker_has():
    """A misspelt task name in the schedule is never run and never reported: each entry's
    task must be a Celery task of workers.tasks under that very name."""
    import workers.tasks  # why: importing it registers the tasks (shared_task)
    from workers import beat_schedule  # why: as above, after the module under test

    schedule = beat_schedule(60, 300)
    assert {"prune-outbox", "relay-outbox", "expire-verifications"} <= set(schedule)
    for name, entry in schedule.items():
        module, _, func = entry["task"].rpartition(".")
        assert module == "workers.tasks", name
        task = getattr(workers.tasks, func, None)
        assert task is not None and task.name == entry["task"], name
