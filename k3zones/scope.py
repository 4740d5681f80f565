"""Which kecamatan a caller may see. Every query that reads tenant rows goes through it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true


@dataclass(frozen=True)
class Scope:
    # None: every kecamatan (the system: CLI, workers); otherwise exactly these (a kota
    # user: the kecamatan of their kota, Principal.scope).
    kecamatan_ids: frozenset[int] | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, *ids: int) -> Scope:
        return cls(frozenset(ids))

    def allows(self, kecamatan_id: int) -> bool:
        return self.kecamatan_ids is None or kecamatan_id in self.kecamatan_ids

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.kecamatan_ids is None:
            return true()
        return column.in_(sorted(self.kecamatan_ids))  # type: ignore[no-any-return]
