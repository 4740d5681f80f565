"""OGC API - Features query parameters (k3zones.ogc): what is accepted, what is a 400."""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.errors import InvalidInput
from k3zones.ogc import (
    COLLECTIONS,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    REPORTS,
    ZONES,
    Interval,
    openapi,
    parse_bbox,
    parse_datetime,
    parse_items_query,
)


def test_bbox_forms() -> None:
    assert parse_bbox("106.97,-6.22,107.01,-6.15") == ((106.97, -6.22, 107.01, -6.15),)
    # GDAL prints 18 significant digits; heights are dropped.
    got = parse_bbox("106.978999999999999,-6.18499999999999961,107.0,-6.155")
    assert got[0][0] == pytest.approx(106.979)
    assert parse_bbox("1,2,0,3,4,10") == ((1.0, 2.0, 3.0, 4.0),)
    assert parse_bbox("1e1,2,2e1,3") == ((10.0, 2.0, 20.0, 3.0),)
    # Crossing the antimeridian: two boxes.
    assert parse_bbox("170,-10,-170,10") == ((170, -10, 180, 10), (-180, -10, -170, 10))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1,2,3",
        "1,2,3,4,5",
        "nan,1,2,3",
        "NaN,NaN,NaN,NaN",
        "inf,1,2,3",
        "1e999,1,2,3",
        "181,0,182,1",
        "0,-91,1,0",
        "0,2,1,1",  # latitudes reversed
        "0x10,1,2,3",
        "1,,2,3",
        "1;2;3;4",
        "１,2,3,4",  # a full-width digit
        "1\x00,2,3,4",
    ],
)
def test_bad_bbox_is_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_bbox(raw)
    assert exc.value.errors[0].path == ("query", "bbox")


@given(st.text(max_size=60))
def test_bbox_never_crashes(raw: str) -> None:
    try:
        boxes = parse_bbox(raw)
    except InvalidInput:
        return
    for x0, y0, x1, y1 in boxes:
        assert all(math.isfinite(v) for v in (x0, y0, x1, y1))
        assert -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90


def test_datetime_instants_dates_and_intervals() -> None:
    at = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)
    assert parse_datetime("2024-03-04T08:00:00+07:00") == Interval(at, at)
    assert parse_datetime("2024-03-04T01:00:00Z").start == at
    day = parse_datetime("2024-03-04")
    assert day.start == datetime(2024, 3, 4, tzinfo=UTC)
    assert day.end is not None and day.end.date().isoformat() == "2024-03-04"
    assert parse_datetime("../2024-03-31").start is None
    assert parse_datetime("2024-03-01/").end is None
    nanos = parse_datetime("2024-03-04T01:00:00.123456789Z").start
    assert nanos is not None and nanos.microsecond == 123456


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "..",
        "../..",
        "/",
        "2024-13-01",
        "2024-02-30",
        "2024-03-04T08:00:00",  # no offset
        "2024-03-04 08:00",
        "2024-04-01/2024-03-01",  # reversed
        "2024/2025",
        "a/b/c",
        "99999-01-01",
        "2024-03-04T25:00:00Z",
    ],
)
def test_bad_datetime_is_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_datetime(raw)


@given(st.text(max_size=60))
def test_datetime_never_crashes(raw: str) -> None:
    with contextlib.suppress(InvalidInput):
        parse_datetime(raw)


def test_items_query_is_strict() -> None:
    q = parse_items_query(ZONES, [])
    assert (q.limit, q.offset, q.boxes, q.interval) == (LIMIT_DEFAULT, 0, (), None)
    q = parse_items_query(ZONES, [("limit", str(LIMIT_MAX)), ("kategori", "merah")])
    assert q.limit == LIMIT_MAX and q.filters == {"kategori": "merah"}
    bad = [
        [("limit", "0")],
        [("limit", str(LIMIT_MAX + 1))],
        [("limit", "9" * 30)],
        [("offset", "-1")],
        [("nama", "x")],  # unknown
        [("limit", "1"), ("limit", "2")],  # repeated
        [("datetime", "2024-01-01")],  # zones have no time
        [("kategori", "ungu")],
        [("kelurahan", "Kel. Pejuang")],
        [("f", "xml")],
        [("kelurahan", "x" * 300)],
    ]
    for args in bad:
        with pytest.raises(InvalidInput):
            parse_items_query(ZONES, args)
    # kecamatan= only in the kota view; datetime where there is time.
    with pytest.raises(InvalidInput):
        parse_items_query(ZONES, [("kecamatan", "medansatria")], kota=False)
    q = parse_items_query(REPORTS, [("datetime", "2024-03-01/2024-03-31"), ("type", "patroli")])
    assert q.interval is not None and q.filters == {"type": "patroli"}
    with pytest.raises(InvalidInput):
        parse_items_query(REPORTS, [("zone_id", "bukan-uuid")])


def test_openapi_describes_every_collection() -> None:
    doc = openapi("http://x/ogc", "k3zones", list(COLLECTIONS.values()), kota=True)
    assert doc["openapi"] == "3.0.3"
    for cid, c in COLLECTIONS.items():
        items = doc["paths"][f"/collections/{cid}/items"]["get"]
        names = {p["name"] for p in items["parameters"]}
        assert {"limit", "bbox", "offset", "f"} <= names
        assert ("datetime" in names) == (c.temporal is not None)
        assert {f.name for f in c.filters} <= names
        assert bool(items["security"]) == c.staff
    one = openapi("http://x/ogc/kecamatan/m", "k3zones", [ZONES], kota=False)
    params = one["paths"]["/collections/zones/items"]["get"]["parameters"]
    assert "kecamatan" not in {p["name"] for p in params}
