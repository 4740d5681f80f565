"""What a request needs from the app: settings, the session factory, Redis, the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from k3zones.services.scope import Scope
from k3zones.settings import Settings


@dataclass
class K3:
    settings: Settings
    engine: Engine
    uow: sessionmaker[Session]
    redis: redis.Redis


def k3() -> K3:
    return current_app.extensions["k3"]  # type: ignore[no-any-return]


def current_scope() -> Scope:
    # Until sign-in exists every caller sees every kecamatan; the auth layer narrows this.
    return Scope.everything()
