"""ODK Collect (OpenRosa): the zone list its forms offer, and a filled form received with
its photos. Submissions go through the same report and photo rules as the JSON API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from k3zones import odk
from k3zones.errors import InvalidInput, NotFound, TooLarge
from k3zones.evidence import EvidenceRules
from k3zones.models import Kecamatan
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import photos, reports
from k3zones.services.designation import in_force_today
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.storage import Storage


@dataclass(frozen=True)
class Part:
    """One photo file of a multipart submission, as the request layer hands it over."""

    stream: IO[bytes]
    mimetype: str | None


def kecamatan_for(uow: sessionmaker[Session], caller: Principal, slug: str) -> Kecamatan:
    """The kecamatan an OpenRosa address names, if the caller may see it."""
    with uow() as s:
        return get_kecamatan_by_slug(s, caller.scope, slug)


def zones_csv(uow: sessionmaker[Session], scope: Scope, slug: str) -> bytes:
    """The forms' zones.csv: the zones in force today, by kategori and name."""
    with uow() as s:
        zones = in_force_today(s, get_kecamatan_by_slug(s, scope, slug).id)
        return odk.zones_csv([(str(z.id), z.name, z.kategori.value) for z in zones])


def receive(
    uow: sessionmaker[Session],
    storage: Storage,
    rules: EvidenceRules,
    caller: Principal,
    slug: str,
    xml: bytes,
    part: Callable[[str], Part | None],
    max_photo_bytes: int,
) -> bool:
    """Take one POST of a submission: the instance XML and whichever of its photos came
    with it (a split upload resends the XML with the next photos). Returns True when the
    report was created by this POST, False when it was already there (same instance)."""
    k = kecamatan_for(uow, caller, slug)
    if caller.kecamatan_id != k.id:
        raise NotFound("Kecamatan tidak ditemukan.")
    try:
        body, photo_names = odk.parse_submission(xml)
    except odk.SubmissionError as exc:
        raise InvalidInput(str(exc)) from exc
    submitted = reports.submit_report(uow, rules, caller, body, source="odk")
    report_id = uuid.UUID(str(submitted.body["id"]))
    for name in photo_names:
        p = part(name)
        if p is None:
            continue  # it comes in a later part of a split upload
        up = photos.spool(p.stream, max_photo_bytes)
        if up is None:
            raise TooLarge(f"Foto {name} terlalu besar.")
        try:
            photos.put_photo(
                uow,
                storage,
                caller,
                report_id,
                uuid.uuid5(report_id, name),  # the same file again is the same photo
                photos.Upload(up.file, up.size, up.sha256, p.mimetype),
                None,
            )
        finally:
            up.file.close()
    return submitted.created
