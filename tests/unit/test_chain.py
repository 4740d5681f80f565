"""The evidence chain's pure parts: canonical JSON, payload and entry hashes, the walk
that names the first broken entry, and the evidence packet's offline page and ZIP."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from geoalchemy2.shape import from_shape
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from k3zones import chain
from k3zones import evidence_packet as packet
from k3zones.models import Report

AT = datetime(2024, 5, 2, 1, 15, tzinfo=UTC)


def test_canonical_json_is_sorted_compact_utf8_with_utc_times_and_decimal_strings():
    wib = timezone(timedelta(hours=7))
    value = {
        "b": chain.plain(datetime(2024, 5, 2, 8, 15, tzinfo=wib)),
        "a": chain.plain(Decimal("8"), 1),
        "c": chain.plain("Jl. Sultan Agung — é"),
        "d": chain.plain(uuid.UUID(int=1)),
    }
    out = chain.canonical(value)
    assert (
        out
        == (
            '{"a":"8.0","b":"2024-05-02T01:15:00+00:00","c":"Jl. Sultan Agung — é",'
            '"d":"00000000-0000-0000-0000-000000000001"}'
        ).encode()
    )
    assert chain.payload_hash(value) == hashlib.sha256(out).hexdigest()


def test_same_content_same_hash_whatever_its_python_form():
    """What the writer hashes (Python values) equals what the verifier reads back."""
    spec = chain.SPEC_BY_KIND["report"]
    rid = uuid.UUID(int=9)
    written = Report(
        id=rid, gps_accuracy_m=8, gps=from_shape(Point(106.99, -6.2), srid=4326), notes="a"
    )
    read = Report(
        id=rid, gps_accuracy_m=Decimal("8.0"), gps=from_shape(Point(106.99, -6.2)), notes="a"
    )
    assert chain.content_hash(spec, written) == chain.content_hash(spec, read)
    read.notes = "diubah"
    assert chain.content_hash(spec, written) != chain.content_hash(spec, read)


@given(st.text(max_size=20), st.floats() | st.integers() | st.none())
def test_hashing_never_raises_on_hostile_values(s, n):
    # Lone surrogates, NUL, NaN, huge numbers: a hash, never an exception.
    digest = chain.payload_hash({"s": chain.plain(s), "n": chain.plain(n)})
    assert len(digest) == 64


def _sealed(n: int) -> list[chain.Sealed]:
    prev, out = chain.GENESIS, []
    for i in range(1, n + 1):
        h = chain.entry_hash(prev, i, "report", f"r{i}", 1, "a" * 64, AT)
        out.append(chain.Sealed(i, "report", f"r{i}", 1, "a" * 64, AT, prev, h))
        prev = h
    return out


def test_walker_accepts_an_intact_chain_fed_in_batches():
    entries = _sealed(7)
    w = chain.Walker()
    assert w.feed(entries[:3]) is None and w.feed(entries[3:]) is None
    assert w.count == 7 and w.prev_hash == entries[-1].entry_hash


def test_walker_names_a_changed_a_relinked_and_a_missing_entry():
    entries = _sealed(6)
    changed = list(entries)
    changed[2] = chain.Sealed(
        3, "report", "r3", 1, "b" * 64, AT, entries[1].entry_hash, entries[2].entry_hash
    )
    m = chain.Walker().feed(changed)
    assert m is not None and (m.position, m.ref) == (3, "r3") and "diubah" in m.reason
    gap = entries[:3] + entries[4:]
    m = chain.Walker().feed(gap)
    assert m is not None and m.position == 4 and "hilang" in m.reason
    relinked = list(entries)
    relinked[4] = chain.Sealed(5, "report", "r5", 1, "a" * 64, AT, "c" * 64, entries[4].entry_hash)
    m = chain.Walker().feed(relinked)
    assert m is not None and m.position == 5 and "tautan" in m.reason


def _packet(text: str) -> packet.PacketData:
    now = datetime(2025, 1, 2, tzinfo=UTC)
    return packet.PacketData(
        kecamatan=text,
        zone_id=str(uuid.UUID(int=5)),
        zone_name=text,
        zone_kategori="merah",
        year=2024,
        generated_at=now,
        decrees=[
            packet.PacketDecree("d", text, "2024-01-02", text, "berlaku", "sk/01-d.pdf", "e" * 64)
        ],
        history=[
            {
                "id": 1,
                "at": now,
                "kind": "verify",
                "from_status": None,
                "to_status": "tertib",
                "kategori": "baik",
                "reason": text,
                "actor": text,
            }
        ],
        reports=[
            packet.PacketReport(
                id="r1",
                type="patroli",
                started_at=now,
                received_at=now,
                violation_total=0,
                zone_match="gps",
                notes=text,
                flags={"catatan": text},
                reviewed_at=now,
                review_note=text,
                version=1,
                photos=[packet.PacketPhoto("p1", "f" * 64, 10, "foto/p1.jpg", {})],
            )
        ],
        chain=[
            {
                "position": 1,
                "kind": "report",
                "ref": "r1",
                "payload_hash": "a" * 64,
                "at": now,
                "prev_hash": chain.GENESIS,
                "entry_hash": "b" * 64,
            }
        ],
        root={"position": 1, "hash": "b" * 64, "at": now},
        files={"sk/01-d.pdf": b"%PDF-1.4", "foto/p1.jpg": b"\xff\xd8jpeg"},
    )


HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "=1+1",
        "a\x00b",
        "\ud800",
        "&amp;",
    ]
) | st.text(max_size=12)


@given(HOSTILE)
def test_packet_page_keeps_every_string_as_text(text):
    page = packet.index_html(_packet(text))
    assert "<script" not in page and "<img src=x" not in page
    assert page.count("<img ") == 1  # only the packet's own photo
    page.encode("utf-8")  # always encodable


def test_packet_zip_lists_every_file_with_its_hash():
    z = zipfile.ZipFile(io.BytesIO(packet.build_zip(_packet("Jl. Sultan Agung"))))
    sums = {}
    for line in z.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert set(sums) == {"index.html", "manifest.json", "sk/01-d.pdf", "foto/p1.jpg"}
    for name, digest in sums.items():
        assert hashlib.sha256(z.read(name)).hexdigest() == digest
    man = json.loads(z.read("manifest.json"))
    assert man["chain_root"]["hash"] == "b" * 64 and man["reports"][0]["photos"][0]["id"] == "p1"
    assert {f["path"] for f in man["files"]} == {"index.html", "sk/01-d.pdf", "foto/p1.jpg"}
