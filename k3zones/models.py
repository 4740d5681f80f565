"""Typed SQLAlchemy 2 models. Every row belongs to a kecamatan (the tenant)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from k3zones.db import Base
from k3zones.enums import (
    ComplaintChannel,
    ComplaintRejection,
    ComplaintState,
    DecreeStatus,
    Kategori,
    PhotoStatus,
    PlanTarget,
    ReportType,
    ReviewState,
    Role,
    TaskSource,
    TaskState,
    TeamKind,
    TeamUnit,
    TertibKategori,
    ZoneStatusValue,
)

__all__ = [
    "DecreeStatus",
    "Kategori",
    "PhotoStatus",
    "ReportType",
    "ReviewState",
    "Role",
    "TeamKind",
    "TeamUnit",
    "TertibKategori",
    "ZoneStatusValue",
]


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
    # The tenant's owner (migration 0016): a kota user reads the kecamatan of their kota.
    kota_id: Mapped[int] = mapped_column(ForeignKey("kota.id", ondelete="RESTRICT"), index=True)
    # Service area: zones must fall inside it (catches swapped or mis-projected input).
    extent: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()

    # Joined: the kota's name travels with every kecamatan row (a tiny primary-key join).
    kota: Mapped[Kota] = relationship(lazy="joined", innerjoin=True)

    kelurahan: Mapped[list[Kelurahan]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.name"
    )


class Kelurahan(Base):
    __tablename__ = "kelurahan"
    __table_args__ = (
        UniqueConstraint("kecamatan_id", "slug"),
        UniqueConstraint("id", "kecamatan_id", name="uq_kelurahan_id_kecamatan"),
        Index("ix_kelurahan_boundary", "boundary", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # The reference layer of the map and the open-data collection (migration 0009).
    boundary: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )
    # Drawn by hand (the sample's): shown with a warning, never as an official border.
    boundary_approximate: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    boundary_source: Mapped[str | None] = mapped_column(String(500), nullable=True)
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
    # Read by parsing the PDF on upload; null for scans stored before that check.
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = _now()

    decree: Mapped[Decree] = relationship(back_populates="attachment")


class Zone(Base):
    """A titik pantau designated by a decree."""

    __tablename__ = "zone"
    __table_args__ = (
        UniqueConstraint("decree_id", "name"),
        UniqueConstraint("id", "kecamatan_id", name="uq_zone_id_kecamatan"),
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


# --- people, teams, sign-in, audit ---------------------------------------------------


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        # Kota roles belong to a kota and no kecamatan; everyone else to exactly one kecamatan.
        CheckConstraint(
            "(role IN ('kota', 'admin_kota')) = (kecamatan_id IS NULL)",
            name="kota_has_no_kecamatan",
        ),
        CheckConstraint(
            "(role IN ('kota', 'admin_kota')) = (kota_id IS NOT NULL)", name="kota_role_has_kota"
        ),
        CheckConstraint("username = lower(username)", name="username_lower"),
        CheckConstraint("active = (deactivated_at IS NULL)", name="deactivated_matches_active"),
        UniqueConstraint("id", "kecamatan_id", name="uq_app_user_id_kecamatan"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int | None] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    kota_id: Mapped[int | None] = mapped_column(
        ForeignKey("kota.id", ondelete="RESTRICT"), nullable=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = _now()
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    kecamatan: Mapped[Kecamatan | None] = relationship()


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("kecamatan_id", "name"),
        UniqueConstraint("id", "kecamatan_id", name="uq_team_id_kecamatan"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TeamKind] = mapped_column(_enum(TeamKind, "team_kind"))
    # For tiga_pilar: the units that make up the team (kecamatan, polsek, koramil, ...).
    units: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class TeamMembership(Base):
    """Membership over time, so an old report keeps the team its officer was in then."""

    __tablename__ = "team_membership"
    __table_args__ = (
        ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_team_membership_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["user_id", "kecamatan_id"],
            ["app_user.id", "app_user.kecamatan_id"],
            name="fk_team_membership_user_same_kecamatan",
            ondelete="RESTRICT",
        ),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        # One open membership per officer and team.
        Index(
            "uq_team_membership_open",
            "team_id",
            "user_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    team_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = _now()


class AuthSession(Base):
    """One signed-in device. Revoking it ends every token issued to it."""

    __tablename__ = "auth_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(500), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = _now()
    last_used_at: Mapped[datetime] = _now()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class RefreshToken(Base):
    """Only a hash is kept. A token is used once: refreshing rotates it."""

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_session.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditLog(Base):
    """Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_kecamatan_at", "kecamatan_id", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    kecamatan_id: Mapped[int | None] = mapped_column(nullable=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- reports and photos ----------------------------------------------------------------


class Report(Base):
    """A patrol or enforcement report. Its id is made by the phone (safe retries)."""

    __tablename__ = "report"
    __table_args__ = (
        ForeignKeyConstraint(
            ["zone_id", "kecamatan_id"],
            ["zone.id", "zone.kecamatan_id"],
            name="fk_report_zone_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_report_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["officer_id", "kecamatan_id"],
            ["app_user.id", "app_user.kecamatan_id"],
            name="fk_report_officer_same_kecamatan",
            ondelete="RESTRICT",
        ),
        UniqueConstraint("id", "kecamatan_id", name="uq_report_id_kecamatan"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        CheckConstraint("photos_expected BETWEEN 0 AND 10", name="photos_expected_range"),
        CheckConstraint("photos_received >= 0", name="photos_received_positive"),
        CheckConstraint("violation_total >= 0", name="violations_positive"),
        Index("ix_report_kecamatan_started", "kecamatan_id", "started_at"),
        Index("ix_report_officer_started", "officer_id", "started_at"),
        Index("ix_report_team_started", "team_id", "started_at"),
        Index("ix_report_gps", "gps", postgresql_using="gist"),
        Index("ix_report_flags", "flags", postgresql_using="gin"),
        # City scale (migration 0018, bench/scale.py): a zone's reports and the per-zone counts
        # from the index alone (it replaced ix_report_zone_started), the review queue and
        # the flagged reports without walking the accepted ones. Extended statistics
        # (officer/zone -> kecamatan) are in the migration only.
        Index(
            "ix_report_zone_counts",
            "zone_id",
            "started_at",
            postgresql_include=["kecamatan_id", "type", "review_state", "violation_total"],
        ),
        Index(
            "ix_report_review_queue",
            "kecamatan_id",
            "started_at",
            "id",
            postgresql_where=text("review_state = 'menunggu'"),
        ),
        Index(
            "ix_report_flagged",
            "kecamatan_id",
            "started_at",
            "id",
            postgresql_where=text("flags <> '{}'::jsonb"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    type: Mapped[ReportType] = mapped_column(_enum(ReportType, "report_type"))
    officer_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    units: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    zone_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    zone_match: Mapped[str] = mapped_column(String(16))  # given | gps | none
    # Device times as instants (UTC) plus the offset the phone was set to, in minutes.
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_offset_min: Mapped[int] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_offset_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = _now()
    gps: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    gps_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1), nullable=True)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'"))
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'"))
    violation_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    photos_expected: Mapped[int] = mapped_column(Integer)
    photos_received: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # lengkap once every expected photo has arrived; until then the report waits for them.
    status: Mapped[str] = mapped_column(
        String(16),
        Computed(
            "CASE WHEN photos_received >= photos_expected THEN 'lengkap' ELSE 'menunggu_foto' END",
            persisted=True,
        ),
    )
    flags: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    review_state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "review_state"), server_default=ReviewState.MENUNGGU.value
    )
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    body_hash: Mapped[str] = mapped_column(String(64))
    # The answer the first submission got, given again to a phone that retries.
    first_response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source: Mapped[str] = mapped_column(String(16), server_default=text("'api'"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ReportVersion(Base):
    """Every earlier version of an amended report, kept as it was."""

    __tablename__ = "report_version"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("report.id", ondelete="RESTRICT"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    review_state: Mapped[str] = mapped_column(String(32))
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    replaced_at: Mapped[datetime] = _now()


class Photo(Base):
    __tablename__ = "photo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["report_id", "kecamatan_id"],
            ["report.id", "report.kecamatan_id"],
            name="fk_photo_report_same_kecamatan",
            ondelete="RESTRICT",
        ),
        Index("ix_photo_sha256", "sha256"),
        Index("ix_photo_phash_bands", "phash_bands", postgresql_using="gin"),
        Index("ix_photo_report", "report_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    report_id: Mapped[uuid.UUID] = mapped_column()
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    status: Mapped[PhotoStatus] = mapped_column(_enum(PhotoStatus, "photo_status"))
    original_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    declared_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exif: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    gps: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    thumb_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    web_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # 64-bit difference hash, and its eight bytes tagged by position for a GIN lookup of
    # near-identical photos (two hashes within 7 bits share at least one byte).
    phash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    phash_bands: Mapped[list[int] | None] = mapped_column(ARRAY(Integer), nullable=True)
    flags: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = _now()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The worker deriving it holds it until then (k3zones.services.photos.claim); NULL or
    # past: free to take. A crashed worker's lease runs out; the sweeper queues it again.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IdempotencyRecord(Base):
    """The first answer to a create, so a retried request gets it again."""

    __tablename__ = "idempotency_record"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()


class Outbox(Base):
    """Work to hand to Celery, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "id", postgresql_where=text("dispatched_at IS NULL")),
        # Coalescing: one pending row per key (a burst of reports is one recomputation).
        Index(
            "uq_outbox_pending_dedup",
            "dedup_key",
            unique=True,
            postgresql_where=text("dispatched_at IS NULL AND dedup_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dedup_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = _now()
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- zone status, the indicator, exports -----------------------------------------------


class AssessmentRule(Base):
    """When a zone is eligible (layak tertib). Versioned: a change never rewrites a past
    snapshot, which keeps the version it was computed with."""

    __tablename__ = "assessment_rule"
    __table_args__ = (
        UniqueConstraint("kecamatan_id", "version"),
        CheckConstraint("window_days BETWEEN 1 AND 366", name="window_range"),
        CheckConstraint("min_patrols >= 0 AND min_penertiban >= 0", name="counts_positive"),
        CheckConstraint("stale_days BETWEEN 1 AND 90", name="stale_days_range"),
        CheckConstraint(
            "verification_valid_days IS NULL OR verification_valid_days BETWEEN 30 AND 1095",
            name="verification_valid_days_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    min_penertiban: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    min_patrols: Mapped[int] = mapped_column(Integer)
    # An open complaint (accepted by staff, not yet closed) in the zone counts as a violation.
    complaints_violate: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # A zone without an accepted patrol for this many WIB days is flagged in its panel.
    stale_days: Mapped[int] = mapped_column(Integer, server_default=text("7"))
    # How long a verification holds: NULL, until the end of triwulan I (31 March, WIB) of
    # the year after it; a number, that many days.
    verification_valid_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = _now()


class ZoneStatus(Base):
    """A zone's current status, with the evidence it rests on."""

    __tablename__ = "zone_status"

    zone_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zone.id", ondelete="RESTRICT"), primary_key=True
    )
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    status: Mapped[ZoneStatusValue] = mapped_column(_enum(ZoneStatusValue, "zone_status_value"))
    kategori: Mapped[TertibKategori | None] = mapped_column(
        _enum(TertibKategori, "tertib_kategori"), nullable=True
    )
    rule_version: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verification_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    verified_without_evidence: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class ZoneStatusChange(Base):
    """Every change of a zone's status, with who or what changed it and why."""

    __tablename__ = "zone_status_change"
    __table_args__ = (Index("ix_zone_status_change_zone_at", "zone_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    zone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id", ondelete="RESTRICT"))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # compute (the rules moved it), verify / withdraw (Seksi Trantib), fallback (violations
    # returned after verification).
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32))
    kategori: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    rule_version: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)


class IndicatorSnapshot(Base):
    """The indicator of one kecamatan for one period, as computed: never changed after."""

    __tablename__ = "indicator_snapshot"
    __table_args__ = (
        Index("ix_indicator_snapshot_period", "kecamatan_id", "period_kind", "period_start"),
        CheckConstraint("period_kind IN ('month', 'quarter', 'year')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive, WIB
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rule_version: Mapped[int] = mapped_column(Integer)
    zones_designated: Mapped[int] = mapped_column(Integer)
    zones_tertib: Mapped[int] = mapped_column(Integer)
    realisasi_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)
    target_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    zones_needed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capaian_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IndicatorManual(Base):
    """Figures of years before the system, kept as entered (2023 used another definition)."""

    __tablename__ = "indicator_manual"

    kecamatan_id: Mapped[int] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_pct: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    realisasi_pct: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    capaian_pct: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class ExportJob(Base):
    """An export being built by a worker, then downloaded: a kecamatan's LKIP tables (kind
    lkip) or a kota's recap of all its kecamatan (kind kota, migration 0019)."""

    __tablename__ = "export_job"
    __table_args__ = (
        CheckConstraint("format IN ('xlsx', 'docx', 'csv')", name="format"),
        CheckConstraint("status IN ('menunggu', 'berjalan', 'selesai', 'gagal')", name="status"),
        CheckConstraint("kind IN ('lkip', 'kota')", name="kind"),
        # Exactly one owner: the kecamatan of an LKIP, or the kota of a recap (and the
        # source of the recap's figures).
        CheckConstraint(
            "(kind = 'lkip' AND kecamatan_id IS NOT NULL AND kota_id IS NULL AND source IS NULL)"
            " OR (kind = 'kota' AND kota_id IS NOT NULL AND kecamatan_id IS NULL"
            " AND source IS NOT NULL AND source IN ('langsung', 'snapshot'))",
            name="one_owner",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(8), default="lkip", server_default=text("'lkip'"))
    kecamatan_id: Mapped[int | None] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), nullable=True
    )
    kota_id: Mapped[int | None] = mapped_column(
        ForeignKey("kota.id", ondelete="RESTRICT"), nullable=True
    )
    # a recap's figures: langsung (computed when built) or snapshot
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    requested_by: Mapped[uuid.UUID] = mapped_column()
    format: Mapped[str] = mapped_column(String(8))
    period_kind: Mapped[str] = mapped_column(String(8))
    period_year: Mapped[int] = mapped_column(Integer)
    period_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    file_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PhotoOriginalRead(Base):
    """Each time someone downloaded a photo's original (full EXIF, GPS): who, when, from
    which address. Append-only, like the audit log; written with the read itself."""

    __tablename__ = "photo_original_read"
    __table_args__ = (
        Index("ix_photo_original_read_kecamatan_id", "kecamatan_id", "id"),
        Index("ix_photo_original_read_photo", "photo_id"),
        Index("ix_photo_original_read_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photo.id", ondelete="RESTRICT"))
    report_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- complaints (pengaduan masyarakat, Open311) ------------------------------------------


class PartnerKey(Base):
    """An Open311 api_key of one partner app for one kecamatan. Only a hash is kept; the
    key is shown once, when an admin issues it."""

    __tablename__ = "partner_key"
    __table_args__ = (
        UniqueConstraint("key_hash", name="uq_partner_key_hash"),
        UniqueConstraint("id", "kecamatan_id", name="uq_partner_key_id_kecamatan"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _now()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Complaint(Base):
    """A citizen's complaint: from the /lapor form or a partner app (Open311). The
    reporter's name, phone and e-mail are for staff only; they never leave the staff API."""

    __tablename__ = "complaint"
    __table_args__ = (
        UniqueConstraint("code", name="uq_complaint_code"),
        UniqueConstraint("id", "kecamatan_id", name="uq_complaint_id_kecamatan"),
        ForeignKeyConstraint(
            ["zone_id", "kecamatan_id"],
            ["zone.id", "zone.kecamatan_id"],
            name="fk_complaint_zone_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_complaint_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["report_id", "kecamatan_id"],
            ["report.id", "report.kecamatan_id"],
            name="fk_complaint_report_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["duplicate_of", "kecamatan_id"],
            ["complaint.id", "complaint.kecamatan_id"],
            name="fk_complaint_duplicate_same_kecamatan",
            ondelete="RESTRICT",
        ),
        CheckConstraint("duplicate_of IS NULL OR duplicate_of <> id", name="not_self_duplicate"),
        CheckConstraint(
            "(state = 'ditolak') = (reject_reason IS NOT NULL)", name="reject_reason_state"
        ),
        CheckConstraint(
            "state NOT IN ('ditugaskan', 'ditangani', 'selesai') OR team_id IS NOT NULL",
            name="assigned_has_team",
        ),
        CheckConstraint(
            "state NOT IN ('ditangani', 'selesai') OR report_id IS NOT NULL",
            name="handled_has_report",
        ),
        Index("ix_complaint_kecamatan_due", "kecamatan_id", "sla_due_at", "id"),
        Index("ix_complaint_kecamatan_created", "kecamatan_id", "created_at"),
        Index("ix_complaint_location", "location", postgresql_using="gist"),
        Index("ix_complaint_zone", "zone_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(16))  # the public tracking code
    channel: Mapped[ComplaintChannel] = mapped_column(_enum(ComplaintChannel, "complaint_channel"))
    partner_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_key.id", ondelete="RESTRICT"), nullable=True
    )
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)  # never fetched
    kelurahan_id: Mapped[int | None] = mapped_column(
        ForeignKey("kelurahan.id", ondelete="RESTRICT"), nullable=True
    )
    zone_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    # Private: staff only.
    reporter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    state: Mapped[ComplaintState] = mapped_column(
        _enum(ComplaintState, "complaint_state"), default=ComplaintState.BARU
    )
    reject_reason: Mapped[ComplaintRejection | None] = mapped_column(
        _enum(ComplaintRejection, "complaint_rejection"), nullable=True
    )
    public_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    duplicates: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    assigned_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    report_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    # The SLA clock of the current state: when it started and when it runs out (null when
    # the state has no SLA: ditolak, selesai).
    state_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Whether every state so far was left before its SLA ran out (for "% within SLA").
    within_sla: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ComplaintTransition(Base):
    """Every change of a complaint's state: who, when, why, and the public note."""

    __tablename__ = "complaint_transition"
    __table_args__ = (Index("ix_complaint_transition_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id", ondelete="RESTRICT"))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    public_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ComplaintPhoto(Base):
    """A citizen's photo; processed by the photo pipeline (EXIF read, EXIF-free web and
    thumbnail images, evidence flags) like an officer's."""

    __tablename__ = "complaint_photo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["complaint_id", "kecamatan_id"],
            ["complaint.id", "complaint.kecamatan_id"],
            name="fk_complaint_photo_complaint_same_kecamatan",
            ondelete="RESTRICT",
        ),
        Index("ix_complaint_photo_complaint", "complaint_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    complaint_id: Mapped[uuid.UUID] = mapped_column()
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    status: Mapped[PhotoStatus] = mapped_column(_enum(PhotoStatus, "photo_status"))
    original_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exif: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    gps: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    thumb_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    web_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    flags: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = _now()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ComplaintSla(Base):
    """A kecamatan's SLA, in working days, for a category in a state (overrides the
    defaults in k3zones.complaints)."""

    __tablename__ = "complaint_sla"
    __table_args__ = (CheckConstraint("working_days BETWEEN 1 AND 60", name="days_range"),)

    kecamatan_id: Mapped[int] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer)


class ComplaintNotification(Base):
    """In-app notifications for pimpinan: a complaint past its SLA (once per state)."""

    __tablename__ = "complaint_notification"
    __table_args__ = (
        UniqueConstraint("complaint_id", "kind", "state", name="uq_complaint_notification_once"),
        Index("ix_complaint_notification_kecamatan", "kecamatan_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(32))  # sla_lewat
    state: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- patrol plans and tasks (jadwal patroli) ---------------------------------------------


class PatrolPlan(Base):
    """A recurring schedule of a team at zones. What it says lives in its versions: a
    change applies from a date and the earlier versions stay."""

    __tablename__ = "patrol_plan"
    __table_args__ = (
        UniqueConstraint("id", "kecamatan_id", name="uq_patrol_plan_id_kecamatan"),
        Index("ix_patrol_plan_kecamatan", "kecamatan_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(Integer)
    # The last WIB day whose tasks exist (beat goes on from the day after; a change of
    # the plan sets it back to the day before the change applies).
    materialised_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PatrolPlanVersion(Base):
    """One version of a plan, in force from `valid_from` (WIB) until a later version's.
    The recurrence is an RFC 5545 RRULE anchored at `valid_from`; the window is minutes
    after WIB midnight of the occurrence day (the end `span_days - 1` days later)."""

    __tablename__ = "patrol_plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "version", name="uq_patrol_plan_version"),
        ForeignKeyConstraint(
            ["plan_id", "kecamatan_id"],
            ["patrol_plan.id", "patrol_plan.kecamatan_id"],
            name="fk_patrol_plan_version_plan_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_patrol_plan_version_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["zone_id", "kecamatan_id"],
            ["zone.id", "zone.kecamatan_id"],
            name="fk_patrol_plan_version_zone_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["kelurahan_id", "kecamatan_id"],
            ["kelurahan.id", "kelurahan.kecamatan_id"],
            name="fk_patrol_plan_version_kelurahan_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["decree_id", "kecamatan_id"],
            ["decree.id", "decree.kecamatan_id"],
            name="fk_patrol_plan_version_decree_same_kecamatan",
            ondelete="RESTRICT",
        ),
        CheckConstraint(
            "(target_kind = 'zona') = (zone_id IS NOT NULL) AND "
            "(target_kind = 'kelurahan') = (kelurahan_id IS NOT NULL) AND "
            "(target_kind = 'sk') = (decree_id IS NOT NULL)",
            name="target_matches_kind",
        ),
        CheckConstraint(
            "window_start_min BETWEEN 0 AND 1439 AND window_end_min BETWEEN 1 AND 1440",
            name="window_minutes",
        ),
        CheckConstraint("span_days BETWEEN 1 AND 92", name="span_range"),
        CheckConstraint(
            "span_days > 1 OR window_end_min > window_start_min", name="window_ends_after_start"
        ),
        CheckConstraint("late_minutes BETWEEN 0 AND 1440", name="late_range"),
        Index("ix_patrol_plan_version_plan", "plan_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column()
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean)
    rrule: Mapped[str] = mapped_column(String(300))
    activity: Mapped[ReportType] = mapped_column(_enum(ReportType, "plan_activity"))
    team_id: Mapped[uuid.UUID] = mapped_column()
    units: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    target_kind: Mapped[PlanTarget] = mapped_column(_enum(PlanTarget, "plan_target"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    kelurahan_id: Mapped[int | None] = mapped_column(nullable=True)
    decree_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    window_start_min: Mapped[int] = mapped_column(Integer)
    window_end_min: Mapped[int] = mapped_column(Integer)
    span_days: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    late_minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _now()


class PatrolTask(Base):
    """A task of a team at a zone on a WIB day: from a plan (one per plan, zone and day)
    or ad hoc. A report of the team, zone and activity whose device time falls in the
    window fulfils it; after the window, within the late allowance, it is late."""

    __tablename__ = "patrol_task"
    __table_args__ = (
        UniqueConstraint("plan_id", "zone_id", "day", name="uq_patrol_task_plan_zone_day"),
        ForeignKeyConstraint(
            ["plan_id", "kecamatan_id"],
            ["patrol_plan.id", "patrol_plan.kecamatan_id"],
            name="fk_patrol_task_plan_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["zone_id", "kecamatan_id"],
            ["zone.id", "zone.kecamatan_id"],
            name="fk_patrol_task_zone_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_patrol_task_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["report_id", "kecamatan_id"],
            ["report.id", "report.kecamatan_id"],
            name="fk_patrol_task_report_same_kecamatan",
            ondelete="RESTRICT",
        ),
        CheckConstraint("window_end > window_start", name="window_order"),
        CheckConstraint("late_until >= window_end", name="late_after_window"),
        CheckConstraint(
            "(state IN ('selesai', 'terlambat')) = (report_id IS NOT NULL)",
            name="done_has_report",
        ),
        CheckConstraint("(source = 'rencana') = (plan_id IS NOT NULL)", name="plan_source"),
        Index("ix_patrol_task_kecamatan_day", "kecamatan_id", "day"),
        Index("ix_patrol_task_team_day", "team_id", "day"),
        Index("ix_patrol_task_zone_day", "zone_id", "day"),
        Index(
            "ix_patrol_task_open_end",
            "window_end",
            postgresql_where=text("state = 'terjadwal'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    source: Mapped[TaskSource] = mapped_column(_enum(TaskSource, "task_source"))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    plan_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    day: Mapped[date] = mapped_column(Date)
    zone_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID] = mapped_column()
    activity: Mapped[ReportType] = mapped_column(_enum(ReportType, "task_activity"))
    units: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[TaskState] = mapped_column(
        _enum(TaskState, "task_state"), server_default=TaskState.TERJADWAL.value
    )
    report_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    units_present: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    reason_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


# --- the evidence chain ------------------------------------------------------------------


class ChainEntry(Base):
    """One link of the evidence chain (rantai bukti): what was written (kind, ref) and the
    SHA-256 of its canonical content, inserted unsealed in the writer's transaction; the
    sealer later gives it a position and an entry hash that covers the previous entry's.
    Append-only (a trigger refuses DELETE and every UPDATE but the sealer's one fill)."""

    __tablename__ = "chain_entry"
    __table_args__ = (
        CheckConstraint("(position IS NULL) = (entry_hash IS NULL)", name="sealed"),
        UniqueConstraint("position", name="uq_chain_entry_position"),
        Index("ix_chain_entry_ref", "kind", "ref", "id"),
        Index("ix_chain_entry_unsealed", "id", postgresql_where=text("position IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    kecamatan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[str] = mapped_column(String(64))
    position: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- privacy: the public (blurred) photo, retention and its tombstones -------------------


class PhotoPublic(Base):
    """The public derivative of a photo, an officer's (`laporan`) or a citizen's
    (`pengaduan`): the web image with faces, plates and the reviewers' boxes blurred.
    What /publik, /lapor and Open311 serve; reviewers keep the unblurred web image."""

    __tablename__ = "photo_public"
    __table_args__ = (
        CheckConstraint("photo_kind IN ('laporan', 'pengaduan')", name="photo_kind"),
        Index("ix_photo_public_kecamatan", "kecamatan_id"),
    )

    photo_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    photo_kind: Mapped[str] = mapped_column(String(16))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    public_key: Mapped[str] = mapped_column(String(300))
    public_thumb_key: Mapped[str] = mapped_column(String(300))
    # The web image's size: the pixel space of the boxes.
    web_width: Mapped[int] = mapped_column(Integer)
    web_height: Mapped[int] = mapped_column(Integer)
    detector: Mapped[str] = mapped_column(String(200))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    boxes: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class PhotoBlurBox(Base):
    """One blurred area of a photo's public derivative, in the web image's pixels: found
    by the detector (with its name and score) or drawn by a reviewer. Removing one keeps
    the row (removed_at/by): the detector's false alarm stays removed when it runs again."""

    __tablename__ = "photo_blur_box"
    __table_args__ = (
        CheckConstraint("photo_kind IN ('laporan', 'pengaduan')", name="photo_kind"),
        CheckConstraint("source IN ('deteksi', 'manual')", name="source"),
        CheckConstraint("x >= 0 AND y >= 0 AND w > 0 AND h > 0", name="box_positive"),
        CheckConstraint("x + w <= 20000 AND y + h <= 20000", name="box_bounded"),
        Index("ix_photo_blur_box_photo", "photo_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    photo_id: Mapped[uuid.UUID] = mapped_column()
    photo_kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    detector: Mapped[str | None] = mapped_column(String(100), nullable=True)
    score: Mapped[float | None] = mapped_column(Numeric(10, 3), nullable=True)
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    w: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    removed_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class RetentionSetting(Base):
    """How long a kecamatan keeps personal data (k3zones.retention has the defaults and
    the reasons). A kecamatan without a row uses the defaults."""

    __tablename__ = "retention_setting"
    __table_args__ = (
        CheckConstraint("originals_years BETWEEN 1 AND 30", name="originals_range"),
        CheckConstraint("derivatives_years BETWEEN 1 AND 30", name="derivatives_range"),
        CheckConstraint("contact_days BETWEEN 30 AND 3650", name="contact_range"),
        CheckConstraint("access_log_days BETWEEN 90 AND 3650", name="access_log_range"),
    )

    kecamatan_id: Mapped[int] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), primary_key=True
    )
    originals_years: Mapped[int] = mapped_column(Integer)
    derivatives_years: Mapped[int] = mapped_column(Integer)
    contact_days: Mapped[int] = mapped_column(Integer)
    access_log_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class RetentionTombstone(Base):
    """What the retention job (or an erasure) deleted: the row it belonged to stays, the
    object or the data went; the SHA-256 taken at intake is kept here and on the photo row,
    so the evidence chain and the audit trail still verify."""

    __tablename__ = "retention_tombstone"
    __table_args__ = (
        UniqueConstraint("entity", "entity_id", "category", name="uq_retention_tombstone_once"),
        CheckConstraint("category IN ('asli', 'turunan', 'kontak', 'log_akses')", name="category"),
        Index("ix_retention_tombstone_kecamatan", "kecamatan_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_keys: Mapped[list[str]] = mapped_column(ARRAY(String(300)), server_default="{}")
    rows: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reason: Mapped[str] = mapped_column(Text)
    rule: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Kota(Base):
    """A kota or kabupaten (BPS code), the owner of its kecamatan (migration 0016). The
    province is a name for now; a province-level tenant would group kota by it."""

    __tablename__ = "kota"
    __table_args__ = (CheckConstraint("kode ~ '^[0-9]{4}$'", name="kode_bps"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kode: Mapped[str] = mapped_column(String(4), unique=True)  # BPS, e.g. 3275 Kota Bekasi
    name: Mapped[str] = mapped_column(String(200))
    provinsi: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()
