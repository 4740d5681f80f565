"""What a request needs from the app: settings, the session factory, Redis, the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from flask import current_app
from flask_limiter import Limiter
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import FieldError, InvalidInput
from k3zones.evidence import EvidenceRules
from k3zones.services.scope import Scope
from k3zones.settings import Settings
from k3zones.storage import Storage


@dataclass
class K3:
    settings: Settings
    engine: Engine
    uow: sessionmaker[Session]
    redis: redis.Redis
    limiter: Limiter
    storage: Storage
    rules: EvidenceRules
    # Pinged before relaying: a dead broker is found at once, not by Celery's retries.
    broker: redis.Redis

    def relay(self, ids: list[int] | None = None) -> int:
        """Hand waiting outbox work to Celery now (best effort: beat retries the rest)."""
        from k3zones.outbox import relay

        celery = current_app.extensions["celery"]

        def send(task: str, payload: dict[str, Any]) -> None:
            celery.send_task(task, kwargs=payload, retry=False)

        try:
            # A dead broker is found by one quick ping, not by Celery's connection retries.
            self.broker.ping()
            return relay(self.uow, send, ids=ids)
        except Exception:  # the request already succeeded; work waits in the outbox
            return 0


def k3() -> K3:
    return current_app.extensions["k3"]  # type: ignore[no-any-return]


def current_scope() -> Scope:
    from api.security import principal

    return principal().scope


def kecamatan_or_own(slug: str | None) -> str:
    """The kecamatan a request names, or the caller's own when it names none."""
    from api.security import principal

    chosen = slug or principal().kecamatan_slug
    if not chosen:
        raise InvalidInput(
            "Pilih kecamatan.",
            [FieldError(("kecamatan",), "Wajib diisi untuk pengguna tingkat kota.")],
        )
    return chosen
