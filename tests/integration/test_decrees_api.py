"""Decrees: registering, amending, revoking, and the scanned PDF."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfWriter

from tests.support.http import assert_problem
from tests.support.services import count

SK = {
    "kecamatan": "medansatria",
    "nomor": "300/Kep.20-Kc.Ms.Tib/III/2025",
    "tanggal": "2025-03-10",
    "perihal": "Perubahan Penetapan Lokasi Jalan Taat K3",
}


def test_sample_decree_is_listed_with_its_zones(client, sample):
    [d] = client.get("/api/v1/decrees?kecamatan=medansatria").get_json()
    assert d["nomor"] == "300/Kep.15-Kc.Ms.Tib/I/2024"
    assert d["tanggal"] == "2024-01-15"
    assert d["status"] == "berlaku" and d["zone_count"] == 10
    assert "DATA CONTOH" in d["notes"]


def test_create_read_amend_and_revoke(client, sample, engine):
    base = client.get("/api/v1/decrees").get_json()[0]["id"]
    r = client.post("/api/v1/decrees", json={**SK, "amends_id": base})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["amends_id"] == base and d["status"] == "berlaku" and d["zone_count"] == 0
    assert client.get(r.headers["Location"]).get_json()["nomor"] == SK["nomor"]

    assert_problem(
        client.patch(f"/api/v1/decrees/{base}", json={"status": "dicabut"}),
        422,
        "tanggal pencabutan",
    )
    assert_problem(
        client.patch(
            f"/api/v1/decrees/{base}", json={"status": "dicabut", "revoked_on": "2023-12-31"}
        ),
        422,
        "sebelum tanggal SK",
    )
    r = client.patch(
        f"/api/v1/decrees/{base}", json={"status": "dicabut", "revoked_on": "2025-03-10"}
    )
    assert r.status_code == 200 and r.get_json()["status"] == "dicabut"
    # The revoked decree and its zones stay readable: history is kept.
    assert client.get(f"/api/v1/decrees/{base}").get_json()["zone_count"] == 10
    assert len(client.get(f"/api/v1/zones?decree={base}").get_json()["features"]) == 10
    assert [x["status"] for x in client.get("/api/v1/decrees?status=dicabut").get_json()] == [
        "dicabut"
    ]
    r = client.patch(f"/api/v1/decrees/{base}", json={"status": "berlaku"})
    assert r.get_json()["revoked_on"] is None
    assert count(engine, "decree") == 2 + 1  # + Bekasi Utara's sample decree


def test_duplicate_number_in_the_same_kecamatan_is_409(client, sample, engine):
    assert client.post("/api/v1/decrees", json=SK).status_code == 201
    spaced = {**SK, "nomor": "  300/kep.20-Kc.Ms.Tib/III/2025 "}
    body = assert_problem(client.post("/api/v1/decrees", json=spaced), 409, "sudah terdaftar")
    assert body["errors"][0]["pointer"] == "/nomor"
    other = client.post("/api/v1/decrees", json={**SK, "nomor": "300/Lain/2025"}).get_json()
    assert_problem(
        client.patch(f"/api/v1/decrees/{other['id']}", json={"nomor": SK["nomor"]}),
        409,
        "sudah terdaftar",
    )
    assert count(engine, "decree") == 3 + 1


def test_bad_decrees_are_explained_and_not_written(client, sample, engine):
    cases = [
        ({**SK, "tanggal": "15-01-2024"}, 422, ["TTTT-BB-HH"]),
        ({**SK, "tanggal": "2999-01-01"}, 422, ["masa depan"]),
        ({**SK, "nomor": ""}, 422, ["Panjang teks"]),
        ({**SK, "status": "aktif"}, 422, ["berlaku, dicabut"]),
        ({**SK, "amends_id": "5b0f4c0e-0000-4000-8000-000000000000"}, 422, ["tidak ditemukan"]),
        ({**SK, "kecamatan": "bantargebang"}, 404, ["bantargebang"]),
        ({**SK, "warna": "biru"}, 422, ["Kolom tidak dikenal"]),
        ([SK], 422, ["objek JSON"]),
    ]
    for body, status, words in cases:
        assert_problem(client.post("/api/v1/decrees", json=body), status, *words)
    assert count(engine, "decree") == 1 + 1


def real_pdf(pages: int = 2, password: str | None = None) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(595, 842)  # A4 in points
    if password is not None:
        w.encrypt(password, "pemilik", algorithm="RC4-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_scanned_pdf_is_kept_byte_for_byte(client, sample):
    did = client.get("/api/v1/decrees").get_json()[0]["id"]
    pdf = real_pdf(2)
    r = client.put(
        f"/api/v1/decrees/{did}/attachment",
        data=pdf,
        headers={"Content-Type": "application/pdf", "X-Filename": "SK 15-2024.pdf"},
    )
    assert r.status_code == 200, r.get_json()
    att = r.get_json()["attachment"]
    assert att["sha256"] == hashlib.sha256(pdf).hexdigest() and att["size_bytes"] == len(pdf)
    assert att["page_count"] == 2
    assert client.get(f"/api/v1/decrees/{did}").get_json()["attachment"]["page_count"] == 2
    got = client.get(r.get_json()["attachment_url"])
    assert got.status_code == 200 and got.mimetype == "application/pdf" and got.data == pdf
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"SK 15-2024.pdf\"; filename*=UTF-8''SK%2015-2024.pdf"
    )

    assert_problem(
        client.put(
            f"/api/v1/decrees/{did}/attachment",
            data=b"\x89PNG\r\n\x1a\n",
            headers={"Content-Type": "application/pdf"},
        ),
        422,
        "bukan PDF",
    )
    # Starts like a PDF, is none: refused by the parser, not by its first bytes.
    fake = b"%PDF-1.4\n" + bytes(range(256)) * 100 + b"\n%%EOF\n"
    for body, words in [(fake, "tidak dapat dibaca"), (real_pdf(1, password="x"), "sandi")]:
        assert_problem(
            client.put(
                f"/api/v1/decrees/{did}/attachment",
                data=body,
                headers={"Content-Type": "application/pdf"},
            ),
            422,
            words,
        )
    huge = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
    assert_problem(
        client.put(
            f"/api/v1/decrees/{did}/attachment",
            data=huge,
            headers={"Content-Type": "application/pdf"},
        ),
        413,
        "20 MB",
    )
    # The earlier file is untouched by the refused uploads.
    assert client.get(f"/api/v1/decrees/{did}/attachment").data == pdf


def test_stored_file_name_never_reaches_the_header_unsanitised(client, sample):
    did = client.get("/api/v1/decrees").get_json()[0]["id"]
    name = 'SK "Camat"\\..\\../evil;\x7f é—2024.pdf'
    r = client.put(
        f"/api/v1/decrees/{did}/attachment",
        data=real_pdf(1),
        headers={"Content-Type": "application/pdf", "X-Filename": name.encode().decode("latin-1")},
    )
    assert r.status_code == 200, r.get_json()
    cd = client.get(f"/api/v1/decrees/{did}/attachment").headers["Content-Disposition"]
    assert cd.startswith('attachment; filename="') and "filename*=UTF-8''" in cd
    ascii_part = cd.split('filename="')[1].split('"')[0]
    assert ascii_part.isascii() and not set(ascii_part) & set('"\\/;\r\n\x7f')
    assert cd.count('"') == 2 and "\r" not in cd and "\n" not in cd
