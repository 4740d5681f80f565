"""Typed SQLAlchemy 2 models. Every row belongs to a kecamatan (the tenant)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from k3zones.db import Base


class Kategori(enum.StrEnum):
    MERAH = "merah"
    KUNING = "kuning"


class DecreeStatus(enum.StrEnum):
    BERLAKU = "berlaku"  # in force
    DICABUT = "dicabut"  # revoked


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # VARCHAR + CHECK rather than a native enum: adding a value stays a one-line migration.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Kecamatan(Base):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kota: Mapped[str] = mapped_column(String(200))
    # Service area: zones must fall inside it (catches swapped or mis-projected input).
    extent: Mapped[WKBElement | None] = mapped_column(
        Geometry("POLYGON", srid=4326, spatial_index=False), nullable=True
    )
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()

    kelurahan: Mapped[list[Kelurahan]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.name"
    )


class Kelurahan(Base):
    __tablename__ = "kelurahan"
    __table_args__ = (
        UniqueConstraint("kecamatan_id", "slug"),
        UniqueConstraint("id", "kecamatan_id", name="uq_kelurahan_id_kecamatan"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")


class Decree(Base):
    """A camat's decree (SK) designating titik pantau. Amendments point at what they amend."""

    __tablename__ = "decree"
    __table_args__ = (
        UniqueConstraint("kecamatan_id", "nomor"),
        UniqueConstraint("id", "kecamatan_id", name="uq_decree_id_kecamatan"),
        # A revoked decree says when; one in force has no such date.
        CheckConstraint(
            "(status = 'dicabut') = (revoked_on IS NOT NULL)", name="revoked_on_matches_status"
        ),
        CheckConstraint("amends_id IS NULL OR amends_id <> id", name="not_self_amending"),
        ForeignKeyConstraint(
            ["amends_id", "kecamatan_id"],
            ["decree.id", "decree.kecamatan_id"],
            name="fk_decree_amends_same_kecamatan",
            ondelete="RESTRICT",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    nomor: Mapped[str] = mapped_column(String(200))
    tanggal: Mapped[date] = mapped_column(Date)
    perihal: Mapped[str] = mapped_column(Text)
    status: Mapped[DecreeStatus] = mapped_column(
        _enum(DecreeStatus, "decree_status"), default=DecreeStatus.BERLAKU
    )
    revoked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    amends_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    kecamatan: Mapped[Kecamatan] = relationship()
    attachment: Mapped[DecreeAttachment | None] = relationship(
        back_populates="decree", uselist=False
    )


class DecreeAttachment(Base):
    """The scanned decree (PDF), stored as bytes: decrees are few and small (size-capped)."""

    __tablename__ = "decree_attachment"

    decree_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("decree.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = _now()

    decree: Mapped[Decree] = relationship(back_populates="attachment")


class Zone(Base):
    """A titik pantau designated by a decree."""

    __tablename__ = "zone"
    __table_args__ = (
        UniqueConstraint("decree_id", "name"),
        ForeignKeyConstraint(
            ["decree_id", "kecamatan_id"],
            ["decree.id", "decree.kecamatan_id"],
            name="fk_zone_decree_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["kelurahan_id", "kecamatan_id"],
            ["kelurahan.id", "kelurahan.kecamatan_id"],
            name="fk_zone_kelurahan_same_kecamatan",
            ondelete="RESTRICT",
        ),
        CheckConstraint(
            "GeometryType(geom) IN ('POINT','LINESTRING','POLYGON',"
            "'MULTIPOINT','MULTILINESTRING','MULTIPOLYGON')",
            name="geom_type",
        ),
        CheckConstraint("radius_m BETWEEN 0 AND 5000", name="radius_range"),
        CheckConstraint("target_year IS NULL OR target_year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint("active = (retired_at IS NULL)", name="retired_matches_active"),
        Index("ix_zone_geom", "geom", postgresql_using="gist"),
        Index("ix_zone_monitoring_area", "monitoring_area", postgresql_using="gist"),
        Index("ix_zone_kecamatan_active", "kecamatan_id", "active"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    decree_id: Mapped[uuid.UUID] = mapped_column()
    kelurahan_id: Mapped[int | None] = mapped_column(nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    kategori: Mapped[Kategori] = mapped_column(_enum(Kategori, "zone_kategori"))
    geom: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))
    radius_m: Mapped[int] = mapped_column(Integer)
    # What reports are matched against: the geometry grown by radius_m metres, computed on
    # the spheroid via geography so it stays right wherever the kecamatan is.
    monitoring_area: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=False),
        Computed("ST_Buffer(geom::geography, radius_m)::geometry", persisted=True),
    )
    target_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retired_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    decree: Mapped[Decree] = relationship(
        foreign_keys=[decree_id], viewonly=True, primaryjoin="Zone.decree_id == Decree.id"
    )
    kelurahan: Mapped[Kelurahan | None] = relationship(
        foreign_keys=[kelurahan_id], viewonly=True, primaryjoin="Zone.kelurahan_id == Kelurahan.id"
    )
    kecamatan: Mapped[Kecamatan] = relationship()


class RenstraTarget(Base):
    """The Renstra target for the Wilayah Tertib indicator, per kecamatan and year."""

    __tablename__ = "renstra_target"
    __table_args__ = (CheckConstraint("target_pct BETWEEN 0 AND 100", name="pct_range"),)

    kecamatan_id: Mapped[int] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
