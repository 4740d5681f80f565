"""Kecamatan and kelurahan: the reference data other records hang on."""

from __future__ import annotations

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from k3zones.errors import FieldError, InvalidInput, NotFound
from k3zones.geo import Extent
from k3zones.models import Kecamatan, Kelurahan
from k3zones.scope import Scope
from k3zones.zones import normalise_name


def list_kecamatan(uow: sessionmaker[Session], scope: Scope) -> list[Kecamatan]:
    with uow() as s:
        q = (
            select(Kecamatan)
            .where(scope.clause(Kecamatan.id))
            .options(selectinload(Kecamatan.kelurahan))
            .order_by(Kecamatan.name)
        )
        return list(s.scalars(q))


def get_kecamatan_by_slug(s: Session, scope: Scope, slug: str) -> Kecamatan:
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug.strip().lower()))
    if k is None or not scope.allows(k.id):
        raise NotFound(f"Kecamatan '{slug}' tidak ditemukan.")
    return k


def kecamatan_extent(s: Session, kecamatan: Kecamatan) -> Extent | None:
    if kecamatan.extent is None:
        return None
    x0, y0, x1, y1 = to_shape(kecamatan.extent).bounds
    return Extent(x0, y0, x1, y1, label=f"Kecamatan {kecamatan.name}")


def resolve_kelurahan(
    s: Session, kecamatan_id: int, value: str, path: tuple[str | int, ...]
) -> Kelurahan:
    """A kelurahan by slug or by name, as typed ('Kel. Harapan Mulya' finds harapanmulya)."""
    rows = list(s.scalars(select(Kelurahan).where(Kelurahan.kecamatan_id == kecamatan_id)))
    key = normalise_name(value)
    for k in rows:
        if key in (normalise_name(k.slug), normalise_name(k.name)):
            return k
    names = ", ".join(k.name for k in rows) or "(belum ada kelurahan)"
    raise InvalidInput(
        "Kelurahan tidak dikenal.",
        [FieldError(path, f"Kelurahan '{value}' tidak ada di kecamatan ini. Pilihan: {names}.")],
    )
