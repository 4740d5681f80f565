"""Zone properties as typed by hand in QGIS or sent by the API."""

import pytest

from k3zones.models import Kategori
from k3zones.zones import normalise_name, parse_kategori, parse_zone_fields

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
