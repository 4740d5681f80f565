"""The two typed fields of the API's schemas that take JSON of more than one shape: GeoJSON
coordinates and a Feature id (string or whole number). Whatever JSON arrives, they either
load it as documented or refuse it with a message; nothing else escapes."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from api.schemas.common import Coordinates, StringOrInteger
from tests.support.strategies import json_values

finite = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6)
positions = st.lists(finite, min_size=2, max_size=3)
lines = st.lists(positions, min_size=1, max_size=4)
rings = st.lists(lines, min_size=1, max_size=3)


@given(positions | lines | rings)
def test_positions_lines_and_rings_of_finite_numbers_load(value: list[Any]) -> None:
    assert Coordinates().deserialize(value) == value


@pytest.mark.parametrize(
    "bad",
    [
        [106.9],
        [106.9, -6.2, 1.0, 2.0],
        [106.9, math.nan],
        [math.inf, -6.2],
        [10**400, -6.2],
        [True, -6.2],
        ["106.9", "-6.2"],
        [[106.9, -6.2], [[106.9, -6.2]]],  # branches of different depth
        [[[[106.9, -6.2]]]],  # deeper than a polygon's rings
        [],
        {"lon": 106.9},
        "106.9,-6.2",
    ],
)
def test_other_shapes_are_refused_with_a_message(bad: Any) -> None:
    with pytest.raises(ValidationError, match="Koordinat harus"):
        Coordinates().deserialize(bad)


def test_a_hostile_depth_is_refused_without_recursing_into_it() -> None:
    deep: Any = [106.9, -6.2]
    for _ in range(50_000):
        deep = [deep]
    with pytest.raises(ValidationError):
        Coordinates().deserialize(deep)


@given(json_values)
def test_any_json_is_loaded_or_refused(value: Any) -> None:
    for field in (Coordinates(), StringOrInteger()):
        with contextlib.suppress(ValidationError):
            field.deserialize(value)


@given(st.text() | st.integers())
def test_a_feature_id_is_text_or_a_whole_number(value: str | int) -> None:
    assert StringOrInteger().deserialize(value) == value


@pytest.mark.parametrize("bad", [True, 1.5, None, [1], {"id": 1}])
def test_other_feature_ids_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationError):
        StringOrInteger().deserialize(bad)
