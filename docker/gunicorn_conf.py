"""gunicorn settings of k3zones (`gunicorn -c docker/gunicorn_conf.py app:flask_app`; the
image has it at /app/gunicorn_conf.py). Bind address and worker count stay on the command
line (docker/entrypoint.sh, scripts/run.sh).

- Logs: gunicorn's error and access logs and the app's own, as one JSON object a line
  (K3_LOG_FORMAT=json) or plain text; the access line carries the request id (the
  X-Request-ID response header api/security.py sets), as do the app's lines.
- Metrics: every gunicorn worker is a process of its own; prometheus_client adds their
  values up from PROMETHEUS_MULTIPROC_DIR, emptied here when the server starts and told
  when a worker exits. Without the variable, a private folder is made for this server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

_own_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Before the app (and prometheus_client) is imported in the workers.
    _own_dir = tempfile.mkdtemp(prefix="k3zones-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_dir

from k3zones import logging_setup, metrics  # noqa: E402 (after the variable above)

accesslog = "-"
logconfig_dict = logging_setup.dict_config(logging_setup.log_format())
# The text form; the JSON form takes the same atoms as fields (k3zones.logging_setup).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'
# Each worker's heartbeat file is touched on every request; on a container's overlay
# filesystem that call can stall a worker (gunicorn's docs, "Blocking OS calls"), in
# memory it cannot. (gunicorn makes the file with mkstemp and unlinks it at once.)
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK):
    worker_tmp_dir = _SHM


def on_starting(server: Any) -> None:
    metrics.clean_multiprocess_dir()


def child_exit(server: Any, worker: Any) -> None:
    metrics.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_dir:
        shutil.rmtree(_own_dir, ignore_errors=True)
