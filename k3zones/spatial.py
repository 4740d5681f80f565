"""The one place distances are computed: in metres, on the spheroid, by PostGIS."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement, cast, func


def distance_m(a: Any, b: Any) -> ColumnElement[float]:
    return func.ST_Distance(cast(a, Geography), cast(b, Geography))
