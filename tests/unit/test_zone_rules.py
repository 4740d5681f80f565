"""Zone properties as typed by hand in QGIS or sent by the API."""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from k3zones.enums import Kategori
from k3zones.geo import Extent
from k3zones.zones import default_radius, normalise_name, parse_kategori, parse_zone_fields
from tests.support.cases import check_all
from tests.support.strategies import json_values

LINE = {"type": "LineString", "coordinates": [[106.97, -6.2], [106.98, -6.2]]}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("merah", Kategori.MERAH),
        ("Zona Kuning", Kategori.KUNING),
        ("ZONA_MERAH", Kategori.MERAH),
        (" kuning ", Kategori.KUNING),
        ("hijau", None),
        ("", None),
        (3, None),
        (None, None),
    ],
)
def test_kategori_is_read_the_way_people_write_it(raw, expected):
    assert parse_kategori(raw) is expected


def test_kelurahan_names_compare_loosely():
    assert normalise_name("Kel. Harapan Mulya") == normalise_name("harapanmulya")
    assert normalise_name("Kelurahan Pejuang") == "pejuang"


def test_indonesian_attribute_names_are_accepted_on_import():
    fields, errors = parse_zone_fields(
        {"NAMA": "Jl. Contoh", "Zona": "Zona Merah", "tahun_target": 2025}, LINE, aliases=True
    )
    assert errors == []
    assert (fields.name, fields.kategori, fields.target_year) == (
        "Jl. Contoh",
        Kategori.MERAH,
        2025,
    )


def test_every_problem_is_reported_at_once_with_its_path():
    _, errors = parse_zone_fields(
        {"name": "", "kategori": "hijau", "radius_m": -5, "target_year": "2024"},
        {"type": "Point", "coordinates": [-6.2, 106.97]},
        path=("features", 4),
    )
    pointers = {e.path for e in errors}
    assert ("features", 4, "properties", "name") in pointers
    assert ("features", 4, "properties", "kategori") in pointers
    assert ("features", 4, "properties", "radius_m") in pointers
    assert ("features", 4, "properties", "target_year") in pointers
    assert ("features", 4, "geometry", "coordinates") in pointers


def test_partial_update_needs_nothing_but_checks_what_is_given():
    fields, errors = parse_zone_fields({"radius_m": 75}, None, partial=True, geometry_given=False)
    assert errors == [] and fields.radius_m == 75 and fields.given == {"radius_m"}


def errors_by_key(properties, **kw):
    _, errors = parse_zone_fields(properties, LINE, **kw)
    return {e.path[-1]: e.message for e in errors}


def test_names_are_tidied_and_limited():
    fields, errors = parse_zone_fields({"name": "  Jl.  Sultan\tAgung ", "kategori": "merah"}, LINE)
    assert errors == [] and fields.name == "Jl. Sultan Agung"
    assert errors_by_key({"name": "x" * 201, "kategori": "merah"}) == {
        "name": "Nama zona paling panjang 200 huruf."
    }
    assert errors_by_key({"name": "   ", "kategori": "merah"}) == {
        "name": "Nama zona wajib diisi (teks)."
    }


@pytest.mark.parametrize(
    "radius, kept, message",
    [
        (0, 0, None),
        (5000, 5000, None),
        (75.0, 75, None),
        (5001, None, "Radius harus antara 0 dan 5000 meter."),
        (-1, None, "Radius harus antara 0 dan 5000 meter."),
        (12.5, None, "Radius harus bilangan bulat dalam meter."),
        ("50", None, "Radius harus bilangan bulat dalam meter."),
        (True, None, "Radius harus bilangan bulat dalam meter."),
    ],
)
def test_radius_is_whole_metres_up_to_five_kilometres(radius, kept, message):
    fields, errors = parse_zone_fields(
        {"name": "Zona", "kategori": "kuning", "radius_m": radius}, LINE
    )
    assert fields.radius_m == kept
    assert [e.message for e in errors] == ([message] if message else [])


def radius_refused(value) -> None:
    fields, errors = parse_zone_fields(
        {"name": "Zona", "kategori": "kuning", "radius_m": value}, LINE
    )
    assert fields.radius_m is None
    assert [e.message for e in errors] == ["Radius harus bilangan bulat dalam meter."]


# value != int(value) once raised for Infinity (OverflowError) and NaN (ValueError).
def test_a_radius_that_is_not_a_number_is_refused():
    check_all(
        [("inf", lambda: radius_refused(math.inf)), ("nan", lambda: radius_refused(math.nan))]
    )


def test_a_patch_can_clear_kelurahan_notes_and_target_year_with_null():
    fields, errors = parse_zone_fields(
        {"kelurahan": None, "notes": None, "target_year": None, "radius_m": None},
        None,
        partial=True,
        geometry_given=False,
    )
    assert errors == []
    assert fields.given == {"kelurahan", "notes", "target_year"}  # a null radius means "keep"
    assert (fields.kelurahan, fields.notes, fields.target_year) == (None, None, None)


def test_wrong_types_name_the_field():
    assert errors_by_key(
        {"name": "Zona", "kategori": "merah", "kelurahan": 7, "notes": ["a"], "target_year": True}
    ) == {
        "kelurahan": "Kelurahan harus berupa nama atau kode (teks).",
        "notes": "Keterangan harus berupa teks.",
        "target_year": "Tahun target harus tahun antara 2000 dan 2100.",
    }


def test_properties_must_be_an_object():
    _, errors = parse_zone_fields(["Zona"], LINE, path=("features", 2))
    assert [(e.path, e.message) for e in errors] == [
        (("features", 2, "properties"), "properties harus berupa objek.")
    ]


def test_indonesian_attribute_names_are_for_imports_only():
    # Through the API the English names are the contract: "nama" is not "name" there, and
    # it is not dropped silently either: the officer is told which names are known.
    assert errors_by_key({"nama": "Zona", "kategori": "merah"}) == {
        "name": "Nama zona wajib diisi.",
        "nama": "Kolom tidak dikenal; yang dikenal: name, kategori, kelurahan, radius_m, "
        "target_year, notes.",
    }
    fields, errors = parse_zone_fields(
        {"Nama_Lokasi": "Pasar", "kategori_zona": "kuning", "radius": 30, "keterangan": "x"},
        LINE,
        aliases=True,
    )
    assert errors == [] and (fields.name, fields.radius_m, fields.notes) == ("Pasar", 30, "x")


def test_the_kecamatan_area_is_checked_on_zone_geometry():
    area = Extent(106.955, -6.225, 107.015, -6.145, "Kecamatan Medansatria")
    _, errors = parse_zone_fields(
        {"name": "Zona", "kategori": "merah"},
        {"type": "Point", "coordinates": [110.4, -7.0]},
        extent=area,
        path=("features", 0),
    )
    [err] = errors
    assert err.path == ("features", 0, "geometry", "coordinates")
    assert "di luar wilayah Kecamatan Medansatria" in err.message


@pytest.mark.parametrize(
    "geometry, radius",
    [
        ({"type": "Point", "coordinates": [106.97, -6.2]}, 100),
        (LINE, 50),
        (
            {
                "type": "MultiLineString",
                "coordinates": [LINE["coordinates"], [[106.97, -6.21], [106.98, -6.21]]],
            },
            50,
        ),
    ],
)
def test_the_default_radius_follows_the_geometry_type(geometry, radius):
    defaults = {"Point": 100, "LineString": 50, "Polygon": 25}
    fields, errors = parse_zone_fields({"name": "Zona", "kategori": "merah"}, geometry)
    assert errors == [] and default_radius(fields.geometry, defaults) == radius


@given(
    st.dictionaries(
        st.sampled_from(["name", "kategori", "kelurahan", "radius_m", "target_year", "notes"]),
        json_values,
    ),
    st.booleans(),
)
@example({"name": "Zona", "kategori": ["merah"], "target_year": [2025]}, False)
def test_any_property_values_get_errors_never_a_crash(properties, partial):
    fields, errors = parse_zone_fields(properties, LINE, partial=partial)
    assert all(e.message and e.path[0] == "properties" for e in errors)
    assert fields.given <= {*properties, "geometry"}
