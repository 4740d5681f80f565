"""Decrees (SK Camat) designating titik pantau."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker, undefer

from k3zones.errors import Conflict, FieldError, InvalidInput, NotFound
from k3zones.models import Decree, DecreeAttachment, DecreeStatus, Kecamatan, Zone
from k3zones.periods import now_utc, today_wib
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# A decree scan is a few pages; the parse of a larger page tree is refused, not walked.
MAX_ATTACHMENT_PAGES = 200
NOT_PDF = "Berkas SK harus PDF (isi berkas bukan PDF)."
BROKEN_PDF = (
    "Berkas SK tidak dapat dibaca sebagai PDF (rusak atau bukan PDF sungguhan); "
    "simpan ulang pindaian sebagai PDF lalu unggah lagi."
)
ENCRYPTED_PDF = (
    "Berkas SK terkunci kata sandi atau terenkripsi; simpan ulang sebagai PDF tanpa "
    "kata sandi lalu unggah lagi."
)


def pdf_page_count(content: bytes) -> int:
    """Parse the upload as a PDF (pypdf) and return its page count; InvalidInput when it
    is no PDF, does not parse, has no pages or too many, or is encrypted.

    Encrypted PDFs are refused: an SK scan is an official record every official with
    access must be able to open and print for years, and the server could not check what
    an encrypted file holds. Parse work is bounded: the 20 MB cap, the page cap, and
    pypdf's own limits on decompressed streams; page contents are never decoded.
    """
    if not content.startswith(b"%PDF-"):
        raise InvalidInput(NOT_PDF)
    # Loaded here: only this upload parses PDFs; other processes never pay the import.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise InvalidInput(ENCRYPTED_PDF)
        pages = len(reader.pages)
        if pages > MAX_ATTACHMENT_PAGES:
            raise InvalidInput(
                f"Berkas SK terlalu banyak halaman ({pages}); paling banyak "
                f"{MAX_ATTACHMENT_PAGES} halaman."
            )
        for page in reader.pages:  # every page object must resolve and have a size
            box = page.mediabox
            if box.width <= 0 or box.height <= 0:
                raise ValueError("empty page box")
    except InvalidInput:
        raise
    except Exception as exc:  # any parser failure (RecursionError too) is the file's fault
        log.info("decree upload refused, PDF does not parse: %r", exc)
        raise InvalidInput(BROKEN_PDF) from exc
    if pages == 0:
        raise InvalidInput(BROKEN_PDF)
    return pages


@dataclass(frozen=True)
class DecreeView:
    id: uuid.UUID
    kecamatan: str
    nomor: str
    tanggal: date
    perihal: str
    status: str
    revoked_on: date | None
    amends_id: uuid.UUID | None
    notes: str | None
    zone_count: int
    attachment: dict[str, object] | None
    created_at: datetime
    updated_at: datetime


@dataclass
class DecreeChanges:
    """Fields to create or change; only those in `given` are applied on update."""

    nomor: str | None = None
    tanggal: date | None = None
    perihal: str | None = None
    status: DecreeStatus | None = None
    revoked_on: date | None = None
    amends_id: uuid.UUID | None = None
    notes: str | None = None
    given: frozenset[str] = field(default_factory=frozenset)


def _clean_nomor(nomor: str) -> str:
    return " ".join(nomor.split())


def _view(s: Session, d: Decree) -> DecreeView:
    count = s.scalar(select(func.count()).select_from(Zone).where(Zone.decree_id == d.id)) or 0
    att = d.attachment
    return DecreeView(
        id=d.id,
        kecamatan=d.kecamatan.slug,
        nomor=d.nomor,
        tanggal=d.tanggal,
        perihal=d.perihal,
        status=d.status.value,
        revoked_on=d.revoked_on,
        amends_id=d.amends_id,
        notes=d.notes,
        zone_count=count,
        attachment=None
        if att is None
        else {
            "filename": att.filename,
            "size_bytes": att.size_bytes,
            "sha256": att.sha256,
            "page_count": att.page_count,
            "uploaded_at": att.uploaded_at,
        },
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


def load_decree(s: Session, scope: Scope, decree_id: uuid.UUID, *, lock: bool = False) -> Decree:
    q = (
        select(Decree)
        .where(Decree.id == decree_id)
        .options(selectinload(Decree.kecamatan), selectinload(Decree.attachment))
    )
    if lock:
        q = q.with_for_update(of=Decree)
    d = s.scalar(q)
    if d is None or not scope.allows(d.kecamatan_id):
        raise NotFound("SK tidak ditemukan.")
    return d


def list_decrees(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan: str | None = None,
    status: DecreeStatus | None = None,
) -> list[DecreeView]:
    with uow() as s:
        q = (
            select(Decree)
            .join(Kecamatan)
            .where(scope.clause(Decree.kecamatan_id))
            .options(selectinload(Decree.kecamatan), selectinload(Decree.attachment))
            .order_by(Decree.tanggal.desc(), Decree.nomor)
        )
        if kecamatan:
            q = q.where(Decree.kecamatan_id == get_kecamatan_by_slug(s, scope, kecamatan).id)
        if status:
            q = q.where(Decree.status == status)
        return [_view(s, d) for d in s.scalars(q)]


def get_decree(uow: sessionmaker[Session], scope: Scope, decree_id: uuid.UUID) -> DecreeView:
    with uow() as s:
        return _view(s, load_decree(s, scope, decree_id))


def _check(s: Session, d: Decree, errors: list[FieldError]) -> None:
    if d.tanggal > today_wib():
        errors.append(FieldError(("tanggal",), "Tanggal SK tidak boleh di masa depan."))
    if d.status == DecreeStatus.DICABUT:
        if d.revoked_on is None:
            errors.append(
                FieldError(("revoked_on",), "SK yang dicabut wajib diisi tanggal pencabutannya.")
            )
        elif d.revoked_on < d.tanggal:
            errors.append(
                FieldError(("revoked_on",), "Tanggal pencabutan tidak boleh sebelum tanggal SK.")
            )
    if d.amends_id is not None:
        if d.amends_id == d.id:
            errors.append(FieldError(("amends_id",), "SK tidak dapat mengubah dirinya sendiri."))
        else:
            base = s.get(Decree, d.amends_id)
            if base is None or base.kecamatan_id != d.kecamatan_id:
                errors.append(
                    FieldError(("amends_id",), "SK yang diubah tidak ditemukan di kecamatan ini.")
                )
    dup = s.scalar(
        select(Decree.id).where(
            Decree.kecamatan_id == d.kecamatan_id,
            func.lower(Decree.nomor) == d.nomor.lower(),
            Decree.id != d.id,
        )
    )
    if dup is not None:
        raise Conflict(
            f"Nomor SK '{d.nomor}' sudah terdaftar di kecamatan ini.",
            [FieldError(("nomor",), "Nomor SK sudah dipakai SK lain di kecamatan ini.")],
        )


def _flush(s: Session, d: Decree) -> None:
    try:
        s.flush()
    except IntegrityError as exc:  # a concurrent insert of the same nomor
        raise Conflict(f"Nomor SK '{d.nomor}' sudah terdaftar di kecamatan ini.") from exc


def create_decree(
    uow: sessionmaker[Session], scope: Scope, kecamatan: str, data: DecreeChanges
) -> DecreeView:
    assert data.nomor and data.tanggal and data.perihal  # the API schema requires them
    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        status = data.status or DecreeStatus.BERLAKU
        d = Decree(
            id=uuid.uuid4(),
            kecamatan_id=k.id,
            nomor=_clean_nomor(data.nomor),
            tanggal=data.tanggal,
            perihal=data.perihal.strip(),
            status=status,
            revoked_on=data.revoked_on if status == DecreeStatus.DICABUT else None,
            amends_id=data.amends_id,
            notes=data.notes,
        )
        errors: list[FieldError] = []
        _check(s, d, errors)
        if errors:
            raise InvalidInput("Data SK belum benar.", errors)
        s.add(d)
        _flush(s, d)
        s.refresh(d)
        return _view(s, load_decree(s, scope, d.id))


def update_decree(
    uow: sessionmaker[Session], scope: Scope, decree_id: uuid.UUID, data: DecreeChanges
) -> DecreeView:
    with uow() as s, s.begin():
        d = load_decree(s, scope, decree_id, lock=True)
        g = data.given
        if "nomor" in g and data.nomor is not None:
            d.nomor = _clean_nomor(data.nomor)
        if "tanggal" in g and data.tanggal is not None:
            d.tanggal = data.tanggal
        if "perihal" in g and data.perihal is not None:
            d.perihal = data.perihal.strip()
        if "notes" in g:
            d.notes = data.notes
        if "amends_id" in g:
            d.amends_id = data.amends_id
        if "status" in g and data.status is not None:
            d.status = data.status
        if "revoked_on" in g:
            d.revoked_on = data.revoked_on
        if d.status == DecreeStatus.BERLAKU:
            d.revoked_on = None  # reinstated: a stale revocation date would mislead
        errors: list[FieldError] = []
        _check(s, d, errors)
        if errors:
            raise InvalidInput("Data SK belum benar.", errors)
        _flush(s, d)
        s.refresh(d)
        return _view(s, d)


def put_attachment(
    uow: sessionmaker[Session],
    scope: Scope,
    decree_id: uuid.UUID,
    filename: str,
    content: bytes,
) -> DecreeView:
    """Store the scanned decree. Checked by its bytes: only a PDF that parses is accepted
    (`pdf_page_count`); its page count is kept."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            f"Berkas SK terlalu besar; paling besar {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."
        )
    pages = pdf_page_count(content)
    with uow() as s, s.begin():
        d = load_decree(s, scope, decree_id, lock=True)
        name = (filename or "sk.pdf").replace("/", "_").replace("\\", "_")[:255]
        att = s.get(DecreeAttachment, d.id)
        if att is None:
            att = DecreeAttachment(decree_id=d.id)
            s.add(att)
        att.filename = name
        att.content_type = "application/pdf"
        att.size_bytes = len(content)
        att.sha256 = hashlib.sha256(content).hexdigest()
        att.page_count = pages
        att.content = content
        att.uploaded_at = now_utc()
        s.flush()
        s.expire(d)
        return _view(s, load_decree(s, scope, d.id))


def get_attachment(
    uow: sessionmaker[Session], scope: Scope, decree_id: uuid.UUID
) -> tuple[str, str, bytes]:
    with uow() as s:
        d = load_decree(s, scope, decree_id)
        att = s.scalar(
            select(DecreeAttachment)
            .where(DecreeAttachment.decree_id == d.id)
            .options(undefer(DecreeAttachment.content))
        )
        if att is None:
            raise NotFound("SK ini belum punya berkas pindaian.")
        return att.filename, att.sha256, att.content
