"""The parts a running process needs (database, Redis, photo storage, evidence rules),
built once from the settings by whoever hosts the domain: the web app, a worker, the CLI,
a benchmark. Nothing here knows HTTP or Celery; the host hands in how a task is queued."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from k3zones import audit, auth, blur, outbox
from k3zones.db import make_autocommit_engine, make_engine, make_session_factory, rebind
from k3zones.evidence import EvidenceRules
from k3zones.settings import Settings
from k3zones.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    # Beside the engine, its pool of autocommit connections (k3zones.db).
    autocommit: Engine
    uow: sessionmaker[Session]
    redis: Redis
    storage: Storage
    rules: EvidenceRules
    # Pinged before relaying: a dead broker is found at once, not by the queue's retries.
    broker: Redis
    # How a task reaches the queue; set by the host (Celery's send_task in this project).
    send: outbox.Sender | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.database_url, settings.statement_timeout_ms)
        auth.configure_hashing(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )
        blur.configure(settings.blur_detect)
        if not settings.blur_detect:
            log.warning(
                "K3_BLUR_DETECT=0: wajah dan pelat tidak dicari; hanya kotak manual disamarkan"
            )
        autocommit = make_autocommit_engine(settings.database_url, settings.statement_timeout_ms)
        uow = make_session_factory(engine, autocommit)
        # Every unit of work records its writes in the audit trail (same transaction).
        audit.install(uow)
        return cls(
            settings=settings,
            engine=engine,
            autocommit=autocommit,
            uow=uow,
            redis=Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
            storage=settings.make_storage(),
            rules=EvidenceRules(),
            broker=Redis.from_url(
                settings.celery_broker_url, socket_connect_timeout=1, socket_timeout=1
            ),
        )

    def for_worker(self) -> None:
        """A worker process: its jobs get the longer statement limit. Called before the
        first job, so no connection of the request-sized pool is in use."""
        old = (self.engine, self.autocommit)
        url, timeout = self.settings.database_url, self.settings.worker_statement_timeout_ms
        self.engine = make_engine(url, timeout)
        self.autocommit = make_autocommit_engine(url, timeout)
        rebind(self.uow, self.engine, self.autocommit)  # the same factory: others hold it
        for engine in old:
            engine.dispose(close=False)  # a forked child must not close its parent's sockets

    def dispose(self) -> None:
        """Close the pooled database connections (tests, and apps built for one check)."""
        self.engine.dispose()
        self.autocommit.dispose()

    def send_now(self, queued: Sequence[outbox.Queued]) -> int:
        """Send what this request claimed (enqueue(claim=True)), now that it is committed.
        Whatever does not reach the queue goes back to the relay (beat, every 10 s); if
        even that fails (the database went too), the sweeper finds the work undone."""
        if not queued:
            return 0
        try:
            if self.send is None:
                raise RuntimeError("no sender in this process")
            self.broker.ping()
        except Exception as exc:  # the caller's work is committed: hand it to the relay
            log.warning("outbox send deferred (broker unreachable): %s", exc)
            self._release(queued, outbox.error_text(exc))
            return 0
        try:
            return outbox.send_now(self.uow, self.send, queued)
        except Exception:  # a send failed and so did giving its row back: the sweeper's
            log.error("outbox send failed and its rows could not be released", exc_info=True)
            return 0

    def _release(self, queued: Sequence[outbox.Queued], error: str) -> None:
        try:
            outbox.release(self.uow, queued, error, failed=queued[0].id)
        except Exception:  # the database is gone too: the sweeper queues the work again
            log.error("outbox rows could not be released for the relay", exc_info=True)

    def relay(self, ids: list[int] | None = None) -> int:
        """Hand waiting outbox work to the queue now (best effort: beat relays the rest)."""
        if self.send is None:
            return 0
        try:
            self.broker.ping()
            return outbox.relay(self.uow, self.send, ids=ids)
        except Exception:  # the caller's work is committed; it waits in the outbox
            log.warning("outbox relay deferred: broker unreachable", exc_info=True)
            return 0
