"""Hypothesis strategies for what arrives from outside: JSON values, report bodies,
GeoJSON geometries. Cheap on purpose: the unit layer's budget is a few seconds, so a
property draws one hostile value and puts it where a parser must judge it, rather than
generating whole random documents."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from k3zones.reports import FIELDS
from tests.support.payloads import report

# The unit layer's profile: a bounded number of examples per property (the whole layer
# has a few seconds), no per-example deadline (a loaded CI machine must not turn a slow
# example into a failure), no example database written into the checkout, one failure
# reported per test so an xfail(raises=...) marker of a known bug stays precise, and no
# shrinking: a failure shows the example as found, at once.
# `K3_HYPOTHESIS_PROFILE=thorough` searches far longer and shrinks what it finds to the
# simplest example: for a run before a release, after a parser changed, or to read a
# failure of the unit profile more easily.
UNIT_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
settings.register_profile(
    "unit",
    max_examples=30,
    deadline=None,
    database=None,
    report_multiple_bugs=False,
    phases=UNIT_PHASES,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", settings.get_profile("unit"), max_examples=3000, phases=[*UNIT_PHASES, Phase.shrink]
)


def load_profile() -> None:
    settings.load_profile(os.environ.get("K3_HYPOTHESIS_PROFILE", "unit"))


# What json.loads can return: Python's parser (and so the API's) also takes NaN,
# Infinity and integers of any size.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([10**400, -(10**400), float("nan"), float("inf"), float("-inf"), 1e308]),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)

REPORT_ID = "0b9f7c52-3c2e-4c8e-9a57-7a1d2b3c4d5e"
# Every field the report rules know, and one they do not.
REPORT_FIELDS = [*sorted(FIELDS), "kolom_lain"]


def _penertiban() -> dict[str, Any]:
    return report(
        id=REPORT_ID,
        type="penertiban",
        units=["polsek"],
        actions=[{"kind": "teguran_lisan", "count": 1}],
    )


def _with(body: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {**body, key: value}


def _item_with(key: str, value: Any) -> dict[str, Any]:
    return _penertiban() | {"findings": [{"kind": "pkl", "count": 1, key: value}]}


geometry_types = st.sampled_from(
    ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"]
)
# Coordinates shaped like GeoJSON's nested arrays, with hostile leaves.
coordinates: st.SearchStrategy[Any] = st.recursive(
    json_scalars | st.floats(min_value=-200, max_value=200),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=12,
)
hostile_geometries: st.SearchStrategy[Any] = st.one_of(
    st.builds(
        lambda t, c: {"type": t, "coordinates": c}, geometry_types | json_values, coordinates
    ),
    st.builds(
        lambda x, y: {"type": "Point", "coordinates": [x, y]},
        json_scalars | st.floats(min_value=-200, max_value=200),
        json_scalars | st.floats(min_value=-100, max_value=100),
    ),
    st.builds(lambda t, c: {"type": t, "coordinates": c}, geometry_types, json_values),
    json_values,
)

# A sound penertiban report with one field (or one field of a finding, or the location)
# replaced by something hostile.
hostile_reports: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.builds(_with, st.builds(_penertiban), st.sampled_from(REPORT_FIELDS), json_values),
    st.builds(_item_with, st.sampled_from(["kind", "count", "notes", "warna"]), json_values),
    st.builds(_with, st.builds(_penertiban), st.just("location"), hostile_geometries),
)

lon = st.floats(min_value=95.0, max_value=141.0)
lat = st.floats(min_value=-11.0, max_value=6.0)


@st.composite
def boxes(draw: st.DrawFn) -> list[list[float]]:
    """A closed rectangular ring inside Indonesia, at least ~10 m on a side."""
    x0, y0 = draw(lon), draw(lat)
    w = draw(st.floats(min_value=1e-4, max_value=0.5))
    h = draw(st.floats(min_value=1e-4, max_value=0.5))
    return [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
