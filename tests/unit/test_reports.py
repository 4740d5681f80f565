"""A report as the phone sends it: what is kept, and what the officer is told to fix."""

from __future__ import annotations

import functools
import json
import math
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given

from k3zones.enums import ReportType
from k3zones.errors import FieldError
from k3zones.reports import FIELDS, MAX_COUNT, MAX_ITEMS, MAX_NOTES, body_hash, parse_report
from tests.support.cases import check_all
from tests.support.payloads import SULTAN_AGUNG, report
from tests.support.strategies import hostile_reports, json_values


def problems(body, **kw) -> dict[tuple[str | int, ...], str]:
    """Path -> message of every problem found (one per path in these tests)."""
    _, errors = parse_report(body, **kw)
    return {e.path: e.message for e in errors}


def test_a_patrol_from_the_phone_is_read_whole():
    body = report(zone_id=str(uuid.uuid4()), units=["polsek", "kecamatan", "polsek"])
    r, errors = parse_report(body)
    assert errors == []
    assert r.id == uuid.UUID(body["id"]) and r.type is ReportType.PATROLI
    assert r.zone_id == uuid.UUID(body["zone_id"]) and r.team_id is None
    assert r.units == ["kecamatan", "polsek"]  # once each, in order
    # The device's own clock and offset are kept: 08:15 WIB is 01:15 UTC.
    assert r.started_at == datetime(2024, 5, 2, 1, 15, tzinfo=UTC)
    assert r.started_offset_min == 420 and r.ended_offset_min == 420
    assert (r.location.x, r.location.y) == tuple(SULTAN_AGUNG)  # GeoJSON: lon first
    assert r.accuracy_m == Decimal("8.0")
    assert [f.as_dict() for f in r.findings] == [{"kind": "pkl", "count": 3, "notes": "di trotoar"}]
    assert r.violation_total == 3 and r.actions == []
    assert r.notes == "Patroli pagi" and r.photos_expected == 1


def test_a_penertiban_records_its_actions():
    r, errors = parse_report(
        report(
            type="penertiban",
            findings=[{"kind": "spanduk", "count": 4}, {"kind": "pkl", "count": 2}],
            actions=[{"kind": "pembongkaran", "count": 4}],
        )
    )
    assert errors == []
    assert r.type is ReportType.PENERTIBAN and r.violation_total == 6
    assert [a.as_dict() for a in r.actions] == [{"kind": "pembongkaran", "count": 4}]


def test_utc_z_and_other_offsets_are_kept_apart_from_the_instant():
    r, errors = parse_report(
        report(started_at="2024-05-02T01:15:00Z", ended_at="2024-05-02T11:00:00+09:00")
    )
    assert errors == []
    assert r.started_at == datetime(2024, 5, 2, 1, 15, tzinfo=UTC) and r.started_offset_min == 0
    assert r.ended_at == datetime(2024, 5, 2, 2, 0, tzinfo=UTC) and r.ended_offset_min == 540


def test_a_time_without_zone_asks_for_the_device_zone():
    assert problems(report(started_at="2024-05-02T08:15:00")) == {
        ("started_at",): "Sertakan zona waktu perangkat, mis. +07:00 untuk WIB."
    }


@pytest.mark.parametrize("value", ["02/05/2024 08:15", "2024-13-02T08:15:00+07:00", "kemarin"])
def test_an_unreadable_time_shows_the_expected_form(value):
    [(path, message)] = problems(report(started_at=value)).items()
    assert path == ("started_at",) and "ISO 8601" in message and "+07:00" in message


def test_start_is_required_end_is_not():
    assert "Waktu wajib diisi" in problems(report(started_at=None))[("started_at",)]
    r, errors = parse_report(report(ended_at=None))
    assert errors == [] and r.ended_at is None and r.ended_offset_min is None


def test_ending_before_starting_is_refused():
    assert problems(report(ended_at="2024-05-02T08:14:59+07:00")) == {
        ("ended_at",): "Waktu selesai tidak boleh sebelum waktu mulai."
    }
    # Same instant written in another offset is not "before".
    assert problems(report(ended_at="2024-05-02T01:15:00Z")) == {}


def test_the_phone_made_id_is_required_unless_the_caller_says_otherwise():
    body = report()
    del body["id"]
    assert problems(body) == {("id",): "id laporan (UUID buatan ponsel) wajib diisi."}
    r, errors = parse_report(body, require_id=False)
    assert errors == [] and r.id is None
    # A bad id is one problem, not two.
    assert problems(report(id="laporan-1")) == {("id",): "Bukan UUID yang valid."}
    assert problems(report(id="laporan-1"), require_id=False) == {("id",): "Bukan UUID yang valid."}


def test_every_problem_is_reported_at_once_with_its_pointer():
    body = report(
        type="razia",
        zone_id="zona-1",
        team_id=42,
        accuracy_m="8 m",
        findings=[{"kind": "pkl", "count": -1}, {"kind": "asap", "count": 1.5, "warna": "merah"}],
        notes=7,
        photos_expected=11,
        foto="IMG_1.jpg",
    )
    errors = parse_report(body)[1]
    pointers = {e.as_dict()["pointer"]: e.message for e in errors}
    kind = pointers.pop("/findings/1/kind")
    assert kind.startswith("Jenis 'asap' tidak dikenal; pilih: pkl, bangunan_liar, ")
    assert pointers == {
        "/foto": "Kolom tidak dikenal.",
        "/type": "Jenis laporan harus 'patroli' atau 'penertiban'.",
        "/zone_id": "Bukan UUID yang valid.",
        "/team_id": "Bukan UUID yang valid.",
        "/accuracy_m": "Akurasi GPS harus angka (meter).",
        "/findings/0/count": "Jumlah tidak boleh kurang dari nol.",
        "/findings/1/warna": "Kolom tidak dikenal.",
        "/findings/1/count": "Jumlah harus bilangan bulat.",
        "/notes": f"Catatan harus teks, paling panjang {MAX_NOTES} huruf.",
        "/photos_expected": "Jumlah foto harus 0 sampai 10.",
    }


def test_a_body_that_is_not_an_object():
    for body in (None, [], "laporan", 3):
        r, errors = parse_report(body)
        assert errors == [FieldError((), "Data laporan harus berupa objek JSON.")]
        assert r.id is None


@pytest.mark.parametrize(
    "count, message",
    [
        (-1, "Jumlah tidak boleh kurang dari nol."),
        (MAX_COUNT + 1, "Jumlah paling banyak 10000."),
        (2.5, "Jumlah harus bilangan bulat."),
        ("3", "Jumlah harus bilangan bulat."),
        (True, "Jumlah harus bilangan bulat."),
        (None, "Jumlah harus bilangan bulat."),
    ],
)
def test_counts_are_whole_numbers_in_range(count, message):
    assert problems(report(findings=[{"kind": "pkl", "count": count}])) == {
        ("findings", 0, "count"): message
    }


def test_counts_at_the_edges_are_kept():
    r, errors = parse_report(
        report(findings=[{"kind": "pkl", "count": 0}, {"kind": "sampah", "count": MAX_COUNT}])
    )
    assert errors == [] and r.violation_total == MAX_COUNT
    r, errors = parse_report(report(findings=[{"kind": "pkl", "count": 3.0}]))
    assert errors == [] and r.findings[0].count == 3


def test_a_kind_written_twice_is_to_be_merged():
    body = report(findings=[{"kind": "pkl", "count": 1}, {"kind": "pkl", "count": 2}])
    assert problems(body) == {
        ("findings", 1, "kind"): "Jenis pkl tercatat dua kali; gabungkan jumlahnya."
    }


def test_findings_and_actions_must_be_short_lists_of_objects():
    assert problems(report(findings={"kind": "pkl"})) == {
        ("findings",): "Harus berupa larik (array)."
    }
    assert problems(report(findings=["pkl"])) == {
        ("findings", 0): "Harus berupa objek {kind, count}."
    }
    many = [{"kind": "pkl", "count": 1}] * (MAX_ITEMS + 1)
    assert problems(report(findings=many)) == {("findings",): "Paling banyak 20 baris."}
    long = [{"kind": "pkl", "count": 1, "notes": "x" * 1001}]
    assert problems(report(findings=long)) == {
        ("findings", 0, "notes"): "Catatan harus teks, paling panjang 1000 huruf."
    }


def test_actions_belong_to_a_penertiban_only():
    acts = [{"kind": "teguran_lisan", "count": 2}]
    assert problems(report(type="patroli", actions=acts)) == {
        ("actions",): "Tindakan hanya dicatat pada laporan penertiban."
    }
    [(path, message)] = problems(
        report(type="penertiban", actions=[{"kind": "pkl", "count": 1}])
    ).items()
    assert path == ("actions", 0, "kind") and "teguran_lisan" in message  # the action words


def test_units_name_the_ones_that_are_unknown_and_list_the_choices():
    assert problems(report(units=["polsek", "rw", "rt"])) == {
        ("units",): "Unit rw, rt tidak dikenal; pilih: dlh, kecamatan, koramil, polsek, satpol_pp."
    }
    assert problems(report(units="polsek")) == {("units",): "units harus larik teks."}


@pytest.mark.parametrize(
    "acc, kept, message",
    [
        (8.26, Decimal("8.3"), None),
        (0, Decimal("0.0"), None),
        (100_000, Decimal("100000.0"), None),
        (-1, None, "Akurasi GPS harus 0 sampai 100000 meter."),
        (100_001, None, "Akurasi GPS harus 0 sampai 100000 meter."),
        ("8", None, "Akurasi GPS harus angka (meter)."),
        (True, None, "Akurasi GPS harus angka (meter)."),
        (float("nan"), None, "Akurasi GPS harus angka (meter)."),
    ],
)
def test_gps_accuracy(acc, kept, message):
    r, errors = parse_report(report(accuracy_m=acc))
    assert r.accuracy_m == kept
    assert [e.message for e in errors] == ([message] if message else [])


def test_the_location_is_one_gps_point_lon_first():
    [(path, message)] = problems(
        report(location={"type": "Point", "coordinates": [-6.2072, 106.979]})
    ).items()
    assert path == ("location", "coordinates") and "tertukar" in message
    assert "[106.979, -6.2072]" in message
    area = {"type": "Polygon", "coordinates": [[[106.97, -6.2], [106.98, -6.2], [106.97, -6.2]]]}
    assert problems(report(location=area)) == {
        ("location", "type"): "Jenis geometri Polygon tidak didukung; gunakan Point."
    }
    assert problems(report(location=None)) == {("location",): "Geometri wajib diisi."}


def test_photos_expected_is_zero_to_ten():
    assert parse_report(report(photos_expected=10))[1] == []
    for bad in (-1, 11, 2.0, True, "2"):
        assert problems(report(photos_expected=bad)) == {
            ("photos_expected",): "Jumlah foto harus 0 sampai 10."
        }
    body = report()
    del body["photos_expected"]
    assert parse_report(body)[0].photos_expected == 0


def test_empty_notes_are_no_notes():
    assert parse_report(report(notes=""))[0].notes is None
    assert parse_report(report(notes="x" * MAX_NOTES))[1] == []


# --- body_hash: what makes a retry "the same report" ----------------------------------


def test_the_same_content_has_the_same_hash_however_it_is_written():
    body = report(findings=[{"kind": "pkl", "count": 3, "notes": "di trotoar – depan pasar"}])
    keys = list(body)
    random.Random(7).shuffle(keys)
    shuffled = {k: body[k] for k in keys}
    pretty = json.loads(json.dumps(body, indent=4, ensure_ascii=True))
    assert body_hash(body) == body_hash(shuffled) == body_hash(pretty)
    assert len(body_hash(body)) == 64


def test_any_change_of_content_changes_the_hash():
    body = report()
    assert body_hash(body) != body_hash({**body, "notes": "Patroli sore"})
    assert body_hash(body) != body_hash({**body, "accuracy_m": 8.5})
    # Order inside a list is content: the findings are rows in the officer's order.
    two = report(findings=[{"kind": "pkl", "count": 1}, {"kind": "sampah", "count": 2}])
    assert body_hash(two) != body_hash({**two, "findings": two["findings"][::-1]})


# --- hostile input ------------------------------------------------------------------

# Values JSON can carry (Python's json, and so the API, reads NaN, Infinity and integers of
# any size) that must come back as a problem at their pointer, never as a 500.
HOSTILE = [
    ("count-inf", ("findings", 0, "count"), {"findings": [{"kind": "pkl", "count": math.inf}]}),
    ("count-nan", ("findings", 0, "count"), {"findings": [{"kind": "pkl", "count": math.nan}]}),
    ("kind-list", ("findings", 0, "kind"), {"findings": [{"kind": ["pkl"], "count": 1}]}),
    (
        "action-kind-object",
        ("actions", 0, "kind"),
        {"type": "penertiban", "actions": [{"kind": {}, "count": 1}]},
    ),
    ("accuracy-huge-int", ("accuracy_m",), {"accuracy_m": 10**400}),
    ("type-list", ("location", "type"), {"location": {"type": ["Point"], "coordinates": [1, 2]}}),
    (
        "huge-lon",
        ("location", "coordinates"),
        {"location": {"type": "Point", "coordinates": [10**400, -6.2]}},
    ),
]


def refused_at(path, change) -> None:
    _, errors = parse_report(report(**change))
    assert [e.path for e in errors] == [path], change


# Each of these once escaped k3zones/reports.py or k3zones/geo.py as TypeError,
# ValueError or OverflowError, which the API answered with a 500.
def test_hostile_values_are_refused_at_their_pointer():
    check_all((name, functools.partial(refused_at, path, change)) for name, path, change in HOSTILE)


@given(hostile_reports)
def test_a_hostile_field_gets_errors_never_a_crash(body):
    """Whatever a phone (or an attacker) puts in a field, the answer is a list of problems
    with a pointer into the body; a body without problems is a complete report."""
    r, errors = parse_report(body)
    for e in errors:
        assert e.message.strip()
        # It points at a field that was sent, or at a report field the body lacks.
        assert e.path[0] in body or e.path[0] in FIELDS
    if not errors:
        assert r.id is not None and r.type is not None
        assert r.started_at is not None and r.location is not None
        assert 0 <= r.photos_expected <= 10 and r.violation_total >= 0


@given(json_values)
def test_any_json_document_gets_errors_never_a_crash(value):
    _, errors = parse_report(value)
    assert errors


@given(hostile_reports)
def test_the_hash_survives_a_round_trip_through_json(body):
    assert body_hash(json.loads(json.dumps(body, indent=1))) == body_hash(body)
