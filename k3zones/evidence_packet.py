"""The evidence packet (paket bukti) of one zone and one year, as a ZIP an auditor opens
without an account: index.html (Bahasa Indonesia, no scripts), the decree PDF(s), the
accepted reports' photos (web size, EXIF-free), manifest.json and SHA256SUMS.

Pure: takes plain data and file bytes, returns the ZIP. Every string written into the
HTML goes through `html.escape`; file names inside the ZIP are made by this module, never
taken from users.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from k3zones.periods import WIB

# A fixed time for every ZIP member: the same packet content gives the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class PacketPhoto:
    id: str
    sha256_original: str
    size_original: int
    file: str | None  # path of the web-size copy inside the ZIP (None: not derived yet)
    flags: dict[str, Any]
    blurred: bool = False  # the copy is the public one (faces and plates blurred)


@dataclass
class PacketReport:
    id: str
    type: str
    started_at: datetime
    received_at: datetime
    violation_total: int
    zone_match: str
    notes: str | None
    flags: dict[str, Any]
    reviewed_at: datetime | None
    review_note: str | None
    version: int
    photos: list[PacketPhoto] = field(default_factory=list)


@dataclass
class PacketDecree:
    id: str
    nomor: str
    tanggal: str
    perihal: str
    status: str
    file: str | None
    sha256: str | None


@dataclass
class PacketData:
    kecamatan: str
    zone_id: str
    zone_name: str
    zone_kategori: str
    year: int
    generated_at: datetime
    decrees: list[PacketDecree]
    history: list[dict[str, Any]]  # at, kind, from_status, to_status, kategori, reason, actor
    reports: list[PacketReport]
    chain: list[dict[str, Any]]  # position, kind, ref, payload_hash, at, prev_hash, entry_hash
    root: dict[str, Any] | None  # position, hash, at
    files: dict[str, bytes] = field(default_factory=dict)  # path in the ZIP -> bytes
    notes: list[str] = field(default_factory=list)


def _e(value: Any) -> str:
    """Text for the HTML: escaped, and a lone surrogate never breaks the encoding."""
    if value is None:
        return "-"
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return html.escape(text.replace("\x00", "\ufffd"), quote=True)


def _wib(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def _flags(flags: dict[str, Any]) -> str:
    if not flags:
        return "-"
    return "; ".join(
        f"{k}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}"
        for k, v in sorted(flags.items())
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not rows:
        body = f'<tr><td colspan="{len(header)}">Tidak ada.</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def index_html(d: PacketData) -> str:
    title = f"Paket bukti zona {_e(d.zone_name)} tahun {d.year}"
    root = (
        f"<p>Akar rantai bukti saat paket dibuat: <code>{_e(d.root['hash'])}</code> "
        f"(entri ke-{_e(d.root['position'])}, {_e(_wib(d.root['at']))}).</p>"
        if d.root
        else "<p>Rantai bukti belum memiliki entri.</p>"
    )
    decrees = _table(
        ["Nomor", "Tanggal", "Perihal", "Status", "Berkas", "SHA-256 berkas"],
        [
            [
                _e(x.nomor),
                _e(x.tanggal),
                _e(x.perihal),
                _e(x.status),
                f'<a href="{_e(x.file)}">{_e(x.file)}</a>' if x.file else "tidak ada pindaian",
                f"<code>{_e(x.sha256)}</code>" if x.sha256 else "-",
            ]
            for x in d.decrees
        ],
    )
    history = _table(
        ["Waktu", "Jenis", "Dari", "Menjadi", "Kategori", "Alasan", "Oleh"],
        [
            [
                _e(_wib(h["at"])),
                _e(h["kind"]),
                _e(h["from_status"]),
                _e(h["to_status"]),
                _e(h["kategori"]),
                _e(h["reason"]),
                _e(h["actor"]),
            ]
            for h in d.history
        ],
    )
    reports = []
    for r in d.reports:
        photos = _table(
            ["Foto", "SHA-256 asli", "Ukuran asli (byte)", "Disamarkan", "Tanda"],
            [
                [
                    f'<a href="{_e(p.file)}"><img src="{_e(p.file)}" alt="foto {_e(p.id)}"></a>'
                    if p.file
                    else f"{_e(p.id)} (tidak disertakan: belum disamarkan)",
                    f"<code>{_e(p.sha256_original)}</code>",
                    _e(p.size_original),
                    "ya" if p.blurred else "belum",
                    _e(_flags(p.flags)),
                ]
                for p in r.photos
            ],
        )
        reports.append(
            f'<section class="laporan" id="laporan-{_e(r.id)}"><h3>Laporan {_e(r.type)} '
            f"{_e(_wib(r.started_at))}</h3><dl>"
            f"<dt>Id</dt><dd><code>{_e(r.id)}</code></dd>"
            f"<dt>Diterima server</dt><dd>{_e(_wib(r.received_at))}</dd>"
            f"<dt>Pelanggaran</dt><dd>{_e(r.violation_total)}</dd>"
            f"<dt>Pencocokan zona</dt><dd>{_e(r.zone_match)}</dd>"
            f"<dt>Catatan</dt><dd>{_e(r.notes)}</dd>"
            f"<dt>Tanda (flags)</dt><dd>{_e(_flags(r.flags))}</dd>"
            f"<dt>Versi</dt><dd>{_e(r.version)}</dd>"
            f"<dt>Ditinjau</dt><dd>{_e(_wib(r.reviewed_at))}; {_e(r.review_note)}</dd>"
            f"</dl>{photos}</section>"
        )
    chain = _table(
        ["Posisi", "Jenis", "Rujukan", "Hash isi", "Hash entri"],
        [
            [
                _e(c["position"] if c["position"] is not None else "belum disegel"),
                _e(c["kind"]),
                f"<code>{_e(c['ref'])}</code>",
                f"<code>{_e(c['payload_hash'])}</code>",
                f"<code>{_e(c['entry_hash'])}</code>",
            ]
            for c in d.chain
        ],
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in d.notes)
    report_html = "".join(reports) or "<p>Tidak ada.</p>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="id"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%;margin:.5rem 0}"
        "td,th{border:1px solid #999;padding:.25rem;vertical-align:top;text-align:left}"
        "code{word-break:break-all}img{max-width:12rem}"
        "section.laporan{border-top:2px solid #333;margin-top:1rem}</style></head><body>"
        f"<h1>{title}</h1>"
        f"<p>Kecamatan {_e(d.kecamatan)}; kategori zona {_e(d.zone_kategori)}; "
        f"id zona <code>{_e(d.zone_id)}</code>. Dibuat {_e(_wib(d.generated_at))}.</p>"
        f"{notes}"
        "<h2>Cara memeriksa</h2><p>Setiap berkas dalam paket ini tercantum dengan SHA-256 di "
        "<code>SHA256SUMS</code> (periksa dengan <code>sha256sum -c SHA256SUMS</code>) dan di "
        "<code>manifest.json</code>. Foto di sini berukuran web tanpa EXIF (wajah dan plat "
        "disamarkan bila salinan publiknya sudah dibuat); SHA-256 yang "
        "tercantum per foto adalah hash berkas asli saat diterima, yang disimpan kecamatan. "
        "Entri rantai bukti di bawah memuat hash isi tiap laporan, foto, tinjauan dan "
        "perubahan status; akar rantai sama dengan yang tercetak di catatan kaki ekspor LKIP "
        "dan tercatat harian di log audit.</p>"
        f"{root}"
        f"<h2>Surat keputusan penetapan</h2>{decrees}"
        f"<h2>Riwayat status zona {d.year}</h2>{history}"
        f"<h2>Laporan yang diterima ({len(d.reports)})</h2>{report_html}"
        f"<h2>Entri rantai bukti</h2>{chain}"
        "</body></html>\n"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def manifest(d: PacketData, hashes: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = _plain(
        {
            "kecamatan": d.kecamatan,
            "zone": {"id": d.zone_id, "name": d.zone_name, "kategori": d.zone_kategori},
            "year": d.year,
            "generated_at": d.generated_at,
            "chain_root": d.root,
            "decrees": [x.__dict__ for x in d.decrees],
            "status_history": d.history,
            "reports": [
                {
                    **{k: v for k, v in r.__dict__.items() if k != "photos"},
                    "photos": [p.__dict__ for p in r.photos],
                }
                for r in d.reports
            ],
            "chain_entries": d.chain,
            "files": [
                {"path": p, "sha256": h, "size": len(d.files.get(p, b""))}
                for p, h in sorted(hashes.items())
            ],
        }
    )
    return out


def build_zip(d: PacketData) -> bytes:
    """The ZIP: index.html, the files, manifest.json (with every other file's hash) and
    SHA256SUMS (covering every file but itself)."""
    page = index_html(d).encode("utf-8")
    files = {"index.html": page, **d.files}
    hashes = {p: hashlib.sha256(b).hexdigest() for p, b in files.items()}
    man = json.dumps(manifest(d, hashes), ensure_ascii=False, indent=2, sort_keys=True).encode(
        "utf-8"
    )
    files["manifest.json"] = man
    hashes["manifest.json"] = hashlib.sha256(man).hexdigest()
    sums = "".join(f"{hashes[p]}  {p}\n" for p in sorted(hashes)).encode("ascii")
    files["SHA256SUMS"] = sums
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = (
                zipfile.ZIP_STORED if path.endswith(".jpg") else zipfile.ZIP_DEFLATED
            )
            z.writestr(info, files[path])
    return out.getvalue()
