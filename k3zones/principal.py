"""Who is calling: the signed-in user, their role and the kecamatan they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from k3zones.enums import KOTA_ROLES, Role
from k3zones.scope import Scope


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    full_name: str
    role: Role
    kecamatan_id: int | None
    kecamatan_slug: str | None
    session_id: uuid.UUID | None
    # Kota roles (kota, admin_kota): their kota and its kecamatan, resolved when the
    # Principal is built (services.auth.kota_kecamatan_ids, one indexed query).
    kota_id: int | None = None
    kota_kecamatan_ids: frozenset[int] = frozenset()

    @property
    def is_kota(self) -> bool:
        """A city-level caller: reads every kecamatan of their kota, writes none of them."""
        return self.role in KOTA_ROLES

    @property
    def scope(self) -> Scope:
        if self.role in KOTA_ROLES:
            return Scope(self.kota_kecamatan_ids)
        assert self.kecamatan_id is not None  # the database guarantees it for non-kota
        return Scope.of(self.kecamatan_id)
