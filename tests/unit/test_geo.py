"""GeoJSON input rules: what a QGIS or phone user is told when a geometry is wrong."""

from __future__ import annotations

import functools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.geo import Extent, GeometryInputError, check_crs, parse_geometry, to_geojson
from tests.support.cases import check_all
from tests.support.strategies import boxes, hostile_geometries

MEDANSATRIA = Extent(106.955, -6.225, 107.015, -6.145, "Kecamatan Medansatria")


def errors_of(obj, **kw):
    with pytest.raises(GeometryInputError) as exc:
        parse_geometry(obj, **kw)
    return exc.value.errors


def test_point_line_polygon_are_accepted_lon_first():
    p = parse_geometry({"type": "Point", "coordinates": [106.98, -6.19]})
    assert (p.x, p.y) == (106.98, -6.19)
    line = parse_geometry({"type": "LineString", "coordinates": [[106.97, -6.2], [106.98, -6.2]]})
    assert line.geom_type == "LineString"
    poly = parse_geometry(
        {
            "type": "Polygon",
            "coordinates": [[[106.97, -6.2], [106.98, -6.2], [106.98, -6.19], [106.97, -6.2]]],
        }
    )
    assert poly.geom_type == "Polygon"


def test_single_part_multi_geometry_from_qgis_is_unwrapped():
    g = parse_geometry(
        {"type": "MultiLineString", "coordinates": [[[106.97, -6.2], [106.98, -6.2]]]}
    )
    assert g.geom_type == "LineString"


def test_altitude_is_dropped():
    g = parse_geometry({"type": "Point", "coordinates": [106.98, -6.19, 12.5]})
    assert not g.has_z


def test_swapped_lat_lon_for_indonesia_is_named_as_such():
    [err] = errors_of({"type": "Point", "coordinates": [-6.19, 106.98]})
    assert "tertukar" in err.message
    assert "[106.98, -6.19]" in err.message
    assert err.path == ("geometry", "coordinates")


def test_out_of_range_coordinates_say_which_axis():
    [err] = errors_of({"type": "Point", "coordinates": [200, -6.19]})
    assert "Bujur 200" in err.message
    [err] = errors_of({"type": "LineString", "coordinates": [[106.9, -6.1], [106.9, -95]]})
    assert "Lintang -95" in err.message
    assert err.path == ("geometry", "coordinates", 1)


def test_self_intersecting_polygon_says_where():
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[106.97, -6.20], [106.98, -6.19], [106.98, -6.20], [106.97, -6.19], [106.97, -6.20]]
        ],
    }
    [err] = errors_of(bowtie)
    assert "berpotongan" in err.message
    assert "106.975" in err.message and "-6.195" in err.message


@pytest.mark.parametrize(
    "geom, words",
    [
        ({"type": "Point", "coordinates": []}, "kosong"),
        ({"type": "LineString", "coordinates": []}, "kosong"),
        ({"type": "Circle", "coordinates": [1, 2]}, "tidak dikenal"),
        ({"type": "", "coordinates": [1, 2]}, "kosong"),
        ({"coordinates": [1, 2]}, "kosong"),
        ({"type": "GeometryCollection", "geometries": []}, "tidak dikenal"),
        ({"type": "LineString", "coordinates": [[106.97, -6.2]]}, "paling sedikit 2"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[106.97, -6.2], [106.98, -6.2], [106.98, -6.19], [106.97, -6.19]]],
            },
            "tidak tertutup",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106.97, -6.2], [106.98, -6.2], [106.97, -6.2]]]},
            "paling sedikit 4",
        ),
        ({"type": "Point", "coordinates": ["106.9", -6.2]}, "angka"),
        ({"type": "Point", "coordinates": [True, -6.2]}, "angka"),
        ("POINT(106.9 -6.2)", "objek GeoJSON"),
        (None, "wajib"),
    ],
)
def test_malformed_geometries_are_explained(geom, words):
    errs = errors_of(geom)
    assert any(words in e.message for e in errs), errs


def test_geometry_outside_the_kecamatan_is_refused():
    [err] = errors_of({"type": "Point", "coordinates": [110.4, -7.0]}, extent=MEDANSATRIA)
    assert "di luar wilayah Kecamatan Medansatria" in err.message


def test_geometry_type_not_allowed_lists_the_allowed_ones():
    [err] = errors_of(
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, allowed=("Point",)
    )
    assert "tidak didukung" in err.message and "Point" in err.message


def test_crs84_and_epsg4326_are_accepted_other_crs_refused():
    assert check_crs(None, ("crs",)) == []
    assert (
        check_crs(
            {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, ("crs",)
        )
        == []
    )
    [err] = check_crs(
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}, ("crs",)
    )
    assert "EPSG:4326" in err.message


def test_geojson_output_is_lon_first_lists_rounded():
    g = parse_geometry({"type": "LineString", "coordinates": [[106.123456789, -6.2], [107, -6.1]]})
    out = to_geojson(g)
    assert out == {"type": "LineString", "coordinates": [[106.1234568, -6.2], [107.0, -6.1]]}


# --- repair, validity and hostile input ----------------------------------------------


def square(x: float, y: float, d: float = 0.01) -> list[list[float]]:
    return [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]


@pytest.mark.parametrize(
    "multi, single",
    [
        ({"type": "MultiPoint", "coordinates": [[106.97, -6.2]]}, "Point"),
        ({"type": "MultiPolygon", "coordinates": [[square(106.97, -6.2)]]}, "Polygon"),
    ],
)
def test_every_single_part_multi_geometry_is_unwrapped(multi, single):
    assert parse_geometry(multi).geom_type == single


def test_a_real_multi_part_zone_stays_multi():
    g = parse_geometry(
        {"type": "MultiPolygon", "coordinates": [[square(106.97, -6.2)], [square(106.99, -6.2)]]}
    )
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 2


def test_altitude_is_dropped_from_every_vertex():
    ring = [[106.97, -6.2, 5], [106.98, -6.2, 7.5], [106.98, -6.19, 5], [106.97, -6.2, 5]]
    g = parse_geometry({"type": "Polygon", "coordinates": [ring]})
    assert not g.has_z and to_geojson(g)["coordinates"][0][1] == [106.98, -6.2]


@pytest.mark.parametrize(
    "geom, words",
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Poligon tidak valid: sisi-sisinya berpotongan sendiri di sekitar [0.5, 0.5]",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1], [0, 0]]],
            },
            "Poligon tidak valid: cincin poligon berpotongan dengan dirinya sendiri "
            "di sekitar [1, 1]",
        ),
        (
            {"type": "Polygon", "coordinates": [square(0, 0, 1), square(5, 5, 1)]},
            "Poligon tidak valid: lubang (hole) berada di luar batas luar di sekitar [5, 5]",
        ),
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [square(0, 0, 10), square(2, 2, 6), square(3, 3, 1)],
            },
            "Poligon tidak valid: ada lubang di dalam lubang di sekitar [3, 3]",
            # GEOS says "Holes are nested" (older versions "Nested holes"): both in Indonesian.
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[square(0, 0, 10)], [square(1, 1, 2)]]},
            "Poligon tidak valid: ada poligon di dalam poligon lain di sekitar [1, 1]",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [square(0, 0, 10), [[0, 5], [5, 0], [10, 5], [5, 10], [0, 5]]],
            },
            "Poligon tidak valid: bagian dalamnya terputus di sekitar [5, 0]",
        ),
        (
            {"type": "LineString", "coordinates": [[106.97, -6.2], [106.97, -6.2]]},
            "Geometri tidak valid: titiknya terlalu sedikit di sekitar [106.97, -6.2]",
        ),
    ],
    ids=[
        "bowtie",
        "ring-touches-itself",
        "hole-outside",
        "nested-holes",
        "nested-shells",
        "disconnected",
        "zero-length-line",
    ],
)
def test_invalid_shapes_are_explained_in_indonesian_with_the_place(geom, words):
    [err] = errors_of(geom)
    assert err.message == words + "."
    assert err.path == ("geometry", "coordinates")


def test_the_path_leads_to_the_feature_ring_and_vertex():
    ring = [[106.97, -6.2], [106.98, -6.2], [106.98, "-6.19"], [106.97, -6.2]]
    [err] = errors_of({"type": "Polygon", "coordinates": [ring]}, path=("features", 3, "geometry"))
    assert err.path == ("features", 3, "geometry", "coordinates", 0, 2)
    assert err.as_dict() == {
        "pointer": "/features/3/geometry/coordinates/0/2",
        "message": "Koordinat harus berupa angka.",
        "feature_index": 3,
    }


def test_a_broken_layer_gets_twenty_problems_not_thousands():
    errs = errors_of({"type": "LineString", "coordinates": [["x", 1]] * 5000})
    assert len(errs) == 20 and errs[-1].path == ("geometry", "coordinates", 19)


def test_a_zone_on_the_edge_of_the_kecamatan_is_inside():
    g = parse_geometry({"type": "Point", "coordinates": [106.955, -6.145]}, extent=MEDANSATRIA)
    assert (g.x, g.y) == (106.955, -6.145)


HOSTILE = [
    ("type-list", {"type": ["Point"], "coordinates": [1, 2]}, ("geometry", "type")),
    ("type-object", {"type": {}, "coordinates": [1, 2]}, ("geometry", "type")),
    ("huge-lon", {"type": "Point", "coordinates": [10**400, -6.2]}, ("geometry", "coordinates")),
    (
        "huge-lat-in-line",
        {"type": "LineString", "coordinates": [[106.9, -6.2], [106.9, -(10**400)]]},
        ("geometry", "coordinates", 1),
    ),
]


def explained_at(obj, path) -> None:
    assert [e.path for e in errors_of(obj)] == [path], obj


# Each of these once escaped as TypeError (an unhashable "type") or OverflowError (an
# integer too large for a float), which the API answered with a 500.
def test_hostile_values_are_explained_at_their_pointer():
    check_all((name, functools.partial(explained_at, obj, path)) for name, obj, path in HOSTILE)


@given(hostile_geometries)
def test_any_geometry_is_parsed_or_explained_never_a_crash(obj):
    try:
        g = parse_geometry(obj)
    except GeometryInputError as exc:
        assert exc.errors and all(e.message and e.path[:1] == ("geometry",) for e in exc.errors)
    else:
        assert g.is_valid and not g.is_empty and not g.has_z


@given(boxes(), st.integers(min_value=0, max_value=4))
def test_a_valid_area_survives_the_round_trip_to_geojson(ring, start):
    ring = ring[start:-1] + ring[:start] + [ring[start]]  # any vertex may come first
    g = parse_geometry({"type": "Polygon", "coordinates": [ring]})
    again = parse_geometry(to_geojson(g))
    # Seven decimals of a degree: no vertex moves by more than about a centimetre.
    assert again.geom_type == "Polygon" and again.hausdorff_distance(g) <= 1e-7


# --- bounded work: what would cost the database seconds is refused here ------------------

A, B = [106.98, -6.2], [106.981, -6.2]


def _message(obj: dict) -> str:
    with pytest.raises(GeometryInputError) as exc:
        parse_geometry(obj)
    return exc.value.errors[0].message


@pytest.mark.parametrize("n", [3, 200, 1000, 5000])
def test_a_line_back_and_forth_over_one_segment_is_refused(n):
    coords = [A if i % 2 == 0 else B for i in range(n)]
    assert "menumpuk" in _message({"type": "LineString", "coordinates": coords})


def test_a_line_that_doubles_back_part_way_or_is_drawn_twice_is_refused():
    part_way = [[106.98, -6.2], [106.982, -6.2], [106.981, -6.2]]
    assert "menumpuk" in _message({"type": "LineString", "coordinates": part_way})
    twice = {"type": "MultiLineString", "coordinates": [[A, B], [B, A]]}
    assert "menumpuk" in _message(twice)


def test_a_loop_road_that_crosses_itself_is_a_line_like_any_other():
    loop = [[106.98, -6.2], [106.982, -6.2], [106.981, -6.201], [106.981, -6.199]]
    assert parse_geometry({"type": "LineString", "coordinates": loop}).geom_type == "LineString"


def test_more_vertices_than_a_zone_needs_are_refused_with_what_to_do():
    ring = [
        [106.98 + 0.001 * math.cos(t / 1000), -6.2 + 0.001 * math.sin(t / 1000)]
        for t in range(0, 6284, 1)
    ]
    ring.append(ring[0])
    msg = _message({"type": "Polygon", "coordinates": [ring]})
    assert "terlalu rumit" in msg and "Simplify" in msg


def _json_children(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "properties", "name", "x"]), children, max_size=3
    )


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), _json_children))
def test_any_crs_member_is_an_answer_never_a_crash(crs):
    """Whatever shape the legacy crs member has (a list where QGIS writes an object), it
    is accepted as WGS 84 or refused with a message; it never raises."""
    out = check_crs(crs, ("crs",))
    assert out == [] or "tidak didukung" in out[0].message
