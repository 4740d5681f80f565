"""Numbers as they arrive in JSON, judged once: a bool is not a number, NaN and infinity
are not values, and an integer too large for a float is out of range, not a crash."""

from __future__ import annotations

import math
from typing import Any


def finite(v: Any) -> float | None:
    """v as a finite float, or None when it is not a plain finite number."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    try:
        f = float(v)
    except OverflowError:  # an int beyond ~1e308
        return None
    return f if math.isfinite(f) else None


def whole(v: Any) -> int | None:
    """v as an int when it is a whole number (3 or 3.0), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    f = finite(v)
    return int(f) if f is not None and f.is_integer() else None
