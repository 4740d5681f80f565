"""Who is calling: the signed-in user, their role and the kecamatan they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from k3zones.enums import Role
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

    @property
    def scope(self) -> Scope:
        if self.role == Role.KOTA:
            return Scope.everything()
        assert self.kecamatan_id is not None  # the database guarantees it for non-kota
        return Scope.of(self.kecamatan_id)
