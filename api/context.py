"""What a request needs from the app: the runtime (settings, units of work, Redis,
storage), the rate limiter, and who is calling."""

from __future__ import annotations

from flask import current_app, g
from flask_limiter import Limiter

from api.quota import Quotas
from k3zones.errors import FieldError, InvalidInput, Unauthenticated
from k3zones.principal import Principal
from k3zones.runtime import Runtime
from k3zones.scope import Scope


def k3() -> Runtime:
    return current_app.extensions["k3"]  # type: ignore[no-any-return]


def limiter() -> Limiter:
    return current_app.extensions["k3_limiter"]  # type: ignore[no-any-return]


def quotas() -> Quotas:
    """The per-officer quotas of the phone's hot paths (api/quota.py)."""
    return current_app.extensions["k3_quotas"]  # type: ignore[no-any-return]


def principal() -> Principal:
    """The signed-in caller (set by api.security before the view runs)."""
    p: Principal | None = g.get("principal")
    if p is None:  # only reachable from a public endpoint that should not ask
        raise Unauthenticated("Silakan masuk terlebih dahulu.")
    return p


def current_scope() -> Scope:
    return principal().scope


def kecamatan_or_own(slug: str | None) -> str:
    """The kecamatan a request names, or the caller's own when it names none."""
    chosen = slug or principal().kecamatan_slug
    if not chosen:
        raise InvalidInput(
            "Pilih kecamatan.",
            [FieldError(("kecamatan",), "Wajib diisi untuk pengguna tingkat kota.")],
        )
    return chosen
