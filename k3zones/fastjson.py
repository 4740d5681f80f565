"""JSON in and out, fast: orjson (C) wherever it gives what the standard library would,
the standard library where orjson refuses or would differ.

Out (`dumps`: the API's responses and the OGC pages): a map page of 500 reports (368 KB
of GeoJSON) takes 4.0 ms of CPU through `json.dumps` and 0.7 ms here (`make bench
WHAT=json`). The text is what `json.dumps(obj, default=..., ensure_ascii=False,
separators=(",", ":"))` writes: keys in insertion order, non-ASCII as UTF-8, subclasses of
str, int, float, list, tuple and dict written as the standard library writes them (a
MultiDict by its items(), a namedtuple as an array), dates and dataclasses through
`default`. Where orjson differs, it is towards valid JSON or more permissive:
- a NaN or an infinity is written as null (the standard library writes `NaN`, which no
  JSON parser accepts);
- some floats are spelled otherwise (1e-05 as 0.00001), the same number;
- a UUID or a plain Enum (not StrEnum/IntEnum) is written by orjson itself (str(uuid),
  the Enum's value) instead of going to `default`; keys that are not strings are written
  as str() of them, float keys in orjson's spelling, UUIDs and dates included (the
  standard library refuses those).
orjson refuses integers beyond 64 bits, lone surrogates and nesting deeper than 254: that
whole value goes to the standard library, which answers as it always did (an error
included).

In (`loads`: JSONB values the database sends, as bytes): orjson, except for texts it would
read differently (an integer beyond 64 bits becomes a float there), which the standard
library reads. What goes into the database stays with SQLAlchemy's own serializer (the
standard library): PostgreSQL refuses a NaN there, which must not turn into a null.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


@functools.lru_cache(maxsize=16)
def _as_json_does(default: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """What orjson hands over, as json.dumps treats it: subclasses of the JSON types as
    their base type (json reads a dict subclass through items(), the others by value),
    the rest to the caller's default. Made once per default (a response is no reason to
    build it again)."""

    def convert(o: Any) -> Any:
        if isinstance(o, dict):
            return dict(o.items())
        if isinstance(o, list | tuple):
            return list(o)
        if isinstance(o, str):
            return str.__str__(o)
        if isinstance(o, int):
            return int(o)
        if isinstance(o, float):
            return float(o)
        if default is None:
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
        return default(o)

    return convert


def dumps(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Compact JSON text of `obj`; `default` turns what JSON has no type for into
    something it has (as for json.dumps), and raises TypeError for what it cannot."""
    try:
        return orjson.dumps(obj, default=_as_json_does(default), option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(obj, default=default, ensure_ascii=False, separators=(",", ":"))


# 19 digits in a row: an integer that may not fit in 64 bits (orjson reads those as a
# float, losing digits) or a long mantissa. Rare in what the database holds; those texts
# go to the standard library.
_LONG_NUMBER = re.compile(rb"\d{19}")


def loads(data: bytes | str) -> Any:
    """The value of a JSON text, as json.loads gives it (JSONB values read from the
    database, which psycopg hands over as bytes: a 200-report list page reads 600)."""
    if isinstance(data, bytes) and _LONG_NUMBER.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # NaN, 1e400, lone surrogates, deep nesting: read as the standard library does
    return json.loads(data)
