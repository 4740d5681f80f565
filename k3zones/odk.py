"""ODK Collect support, pure part: the XForms built from the XLSForms in k3zones/forms (with
pyxform), the zones.csv media file, and the OpenRosa XML documents Collect reads."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as ET  # submissions come from outside: no entity tricks
from defusedxml import DefusedXmlException

from k3zones.enums import ReportType

FORMS_DIR = Path(__file__).resolve().parent / "forms"  # XLSForms, as markdown tables
FORMS = {"k3-patroli": ReportType.PATROLI, "k3-penertiban": ReportType.PENERTIBAN}
OPENROSA_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


@dataclass(frozen=True)
class BuiltForm:
    form_id: str
    title: str
    version: str
    xml: bytes

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


@functools.cache
def build_form(form_id: str) -> BuiltForm:
    """The XForm of one of our forms, built from its XLSForm once per process."""
    from pyxform import xls2xform  # heavy; loaded only by the process that serves forms

    if form_id not in FORMS:
        raise KeyError(form_id)
    source = (FORMS_DIR / f"{form_id}.md").read_text(encoding="utf-8")
    result = xls2xform.convert(source, file_type=".md")
    settings = _settings(source)
    return BuiltForm(
        form_id,
        settings.get("form_title", form_id),
        settings.get("version", "1"),
        result.xform.encode("utf-8"),
    )


def _settings(md: str) -> dict[str, str]:
    """The settings sheet of a markdown XLSForm: header row then value row."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in md.splitlines()
        if line.strip().startswith("|")
    ]
    for i, row in enumerate(rows):
        if row and row[0] == "settings" and i + 2 < len(rows):
            return dict(zip(rows[i + 1][1:], rows[i + 2][1:], strict=False))
    return {}


def zones_csv(zones: list[tuple[str, str, str]]) -> bytes:
    """Choices for the zone question: (id, name, kategori) of the zones in force."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "label", "kategori"])
    for zid, name, kategori in zones:
        w.writerow([zid, f"{name} (zona {kategori})", kategori])
    return out.getvalue().encode("utf-8")


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()


def form_list(base: str, forms: list[BuiltForm]) -> bytes:
    items = "".join(
        f"<xform><formID>{escape(f.form_id)}</formID><name>{escape(f.title)}</name>"
        f"<version>{escape(f.version)}</version><hash>{f.md5}</hash>"
        f"<downloadUrl>{escape(base)}/forms/{escape(f.form_id)}.xml</downloadUrl>"
        f"<manifestUrl>{escape(base)}/forms/{escape(f.form_id)}/manifest</manifestUrl></xform>"
        for f in forms
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="{OPENROSA_NS}">'
    return (head + items + "</xforms>").encode()


def manifest(base: str, form_id: str, media: dict[str, bytes]) -> bytes:
    files = "".join(
        f"<mediaFile><filename>{escape(name)}</filename><hash>{md5(data)}</hash>"
        f"<downloadUrl>{escape(base)}/forms/{escape(form_id)}/{escape(name)}</downloadUrl>"
        "</mediaFile>"
        for name, data in media.items()
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="{MANIFEST_NS}">'
    return (head + files + "</manifest>").encode()


def openrosa_message(text: str) -> bytes:
    """The body Collect shows to the officer (success or refusal)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f'<message nature="">{escape(text)}</message></OpenRosaResponse>'
    ).encode()


class SubmissionError(ValueError):
    """The submission XML cannot be read as one of our forms (message for the officer)."""


def _task_id(raw: str) -> str | None:
    """The task a submission names (tugas.csv): a task id, or nothing. Anything else is
    dropped, not refused: the officer cannot fix it on the phone, and the report is still
    matched to its task the usual way."""
    try:
        return str(uuid.UUID(raw)) if raw else None
    except ValueError:
        return None


def parse_submission(xml: bytes) -> tuple[dict[str, object], list[str]]:
    """An ODK instance -> (the report body the JSON API takes, the photo filenames).
    Validation of the values is left to the report rules, so both paths judge alike."""
    try:
        # Collect never writes a DOCTYPE: any DTD, internal or external, is refused.
        root = ET.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:  # entities, DTDs, external references
        raise SubmissionError(
            "Berkas XML kiriman memuat entitas atau DTD yang tidak diizinkan; kirim ulang dari "
            "ODK Collect."
        ) from exc
    except (ET.ParseError, LookupError, ValueError) as exc:  # broken XML, unknown encoding
        raise SubmissionError("Berkas XML kiriman rusak; kirim ulang dari ODK Collect.") from exc

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    form_id = root.get("id", "")
    if form_id not in FORMS:
        raise SubmissionError(f"Formulir '{form_id}' tidak dikenal; perbarui formulir di ponsel.")
    fields: dict[str, str] = {}
    groups: dict[str, list[dict[str, str]]] = {"temuan": [], "tindakan": []}
    instance_id = ""
    for child in root:
        name = local(child.tag)
        if name in groups:
            groups[name].append({local(c.tag): (c.text or "").strip() for c in child})
        elif name == "meta":
            for c in child:
                if local(c.tag) == "instanceID":
                    instance_id = (c.text or "").strip()
        else:
            fields[name] = (child.text or "").strip()
    if not instance_id.startswith("uuid:"):
        raise SubmissionError("instanceID tidak ada; kirim ulang dari ODK Collect.")
    body: dict[str, object] = {
        "id": instance_id.removeprefix("uuid:"),
        "type": FORMS[form_id].value,
    }
    if fields.get("start"):
        body["started_at"] = fields["start"]
    if fields.get("end"):
        body["ended_at"] = fields["end"]
    if fields.get("zone"):
        body["zone_id"] = fields["zone"]
    if fields.get("units"):
        body["units"] = fields["units"].split()
    task = _task_id(fields.get("tugas", ""))
    if task:
        body["task_id"] = task
    parts = fields.get("location", "").split()
    if len(parts) >= 2:
        try:
            body["location"] = {"type": "Point", "coordinates": [float(parts[1]), float(parts[0])]}
            if len(parts) >= 4:
                body["accuracy_m"] = float(parts[3])
        except ValueError as exc:
            raise SubmissionError("Lokasi GPS tidak terbaca.") from exc

    def items(rows: list[dict[str, str]], notes: str | None) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for r in rows:
            item: dict[str, object] = {"kind": r.get("kind", "")}
            try:
                item["count"] = int(r.get("count", ""))
            except ValueError:
                item["count"] = r.get("count")
            if notes and r.get(notes):
                item["notes"] = r[notes]
            out.append(item)
        return out

    if groups["temuan"]:
        body["findings"] = items(groups["temuan"], "catatan")
    if groups["tindakan"]:
        body["actions"] = items(groups["tindakan"], None)
    if fields.get("notes"):
        body["notes"] = fields["notes"]
    photos = [fields[f"foto_{i}"] for i in range(1, 6) if fields.get(f"foto_{i}")]
    body["photos_expected"] = len(photos)
    return body, photos
