"""GeoJSON input rules: what a QGIS or phone user is told when a geometry is wrong."""

from __future__ import annotations

import pytest

from k3zones.geo import Extent, GeometryInputError, check_crs, parse_geometry, to_geojson

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
