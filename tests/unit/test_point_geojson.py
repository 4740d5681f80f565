"""point_geojson (the report list's location from ST_X/ST_Y) writes what to_geojson writes
for the same Shapely point: the same numbers, rounded the same way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from k3zones.geo import point_geojson, to_geojson

coordinate = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)


@given(x=coordinate, y=coordinate, precision=st.integers(min_value=0, max_value=12))
def test_point_geojson_is_to_geojson_of_the_point(x: float, y: float, precision: int) -> None:
    assert point_geojson(x, y, precision) == to_geojson(Point(x, y), precision)
    assert point_geojson(x, y) == to_geojson(Point(x, y))


def test_rounding_at_seven_decimals() -> None:
    assert point_geojson(106.97901234567891, -6.20720987654321) == {
        "type": "Point",
        "coordinates": [106.9790123, -6.2072099],
    }
