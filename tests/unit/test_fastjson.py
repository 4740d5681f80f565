"""k3zones.fastjson writes the JSON the standard library writes (compact, UTF-8, key order
kept), faster; where orjson refuses a value, the standard library answers as it did."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import uuid
from collections import OrderedDict
from typing import Any, NamedTuple

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from api import JSONProvider
from k3zones import fastjson


def _stdlib(obj: Any, default: Any = None) -> str:
    return json.dumps(obj, default=default, ensure_ascii=False, separators=(",", ":"))


# Every JSON value, with the text a phone or a form can send (lone surrogates, NUL,
# markup, right-to-left marks, emoji), integers past 64 bits and floats of every size.
_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100)
@given(_values)
def test_the_same_json_as_the_standard_library(value: Any) -> None:
    ours = fastjson.dumps(value)
    theirs = _stdlib(value)
    # The same document: equal when read back, keys in the same order. Only the spelling
    # of some floats may differ (1e+16 / 1e16), never their value.
    assert json.loads(ours) == json.loads(theirs)
    assert list(_keys(json.loads(ours))) == list(_keys(json.loads(theirs)))
    if not _has_float(value):
        assert ours == theirs


def _keys(v: Any) -> Any:
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from _keys(x)


def _has_float(v: Any) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, dict):
        return any(_has_float(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_float(x) for x in v)
    return False


def test_values_orjson_refuses_are_written_by_the_standard_library() -> None:
    big = {"n": 2**64, "m": -(2**63) - 1}
    assert fastjson.dumps(big) == _stdlib(big)
    lone = {"catatan": "a\ud800b"}
    assert fastjson.dumps(lone) == _stdlib(lone) == '{"catatan":"a\ud800b"}'
    deep: Any = []
    for _ in range(300):  # past orjson's 254 levels
        deep = [deep]
    assert fastjson.dumps(deep) == _stdlib(deep)


def test_nan_and_infinity_become_null_not_invalid_json() -> None:
    assert json.loads(fastjson.dumps([math.nan, math.inf, -math.inf])) == [None, None, None]


def test_dates_and_dataclasses_go_through_default_as_before() -> None:
    @dataclasses.dataclass
    class Point:
        x: int

    at = datetime.datetime(2024, 5, 2, 8, 15, 0, 123, tzinfo=datetime.UTC)
    value = {"at": at, "day": at.date(), "p": Point(1), "id": uuid.UUID(int=5)}
    assert fastjson.dumps(value, str) == _stdlib(value, str)
    with pytest.raises(TypeError):
        fastjson.dumps({"at": at})  # no default: refused, as by the standard library


class _Kind(enum.StrEnum):
    PKL = "pkl"


class _Count(enum.IntEnum):
    TIGA = 3


class _Point(NamedTuple):
    x: float
    y: float


class _Floaty(float):
    def __str__(self) -> str:
        return "bukan angka"


def test_subclasses_of_json_types_as_the_standard_library_writes_them() -> None:
    args = MultiDict([("bbox", "1,2,3,4"), ("f", "json"), ("f", "html")])
    value = {
        "args": args,  # json reads a dict subclass through items(): the first value
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "kind": _Kind.PKL,
        "count": _Count.TIGA,
        "markup": Markup("<b>x</b>"),
        "point": _Point(106.97, -6.2),
        "numpy": numpy.float64(1.5),
        "floaty": _Floaty(2.5),
        "keys": {_Kind.PKL: 1, _Count.TIGA: 2},
        "nested": [[_Point(1, 2)], ({"k": _Kind.PKL},)],
    }
    for default in (None, str):
        assert fastjson.dumps(value, default) == _stdlib(value, default)
    assert json.loads(fastjson.dumps(value))["args"] == {"bbox": "1,2,3,4", "f": "json"}


def test_keys_that_are_not_strings_as_the_standard_library_writes_them() -> None:
    value = {1: "a", False: "b", None: "c", 2.5: "d"}
    assert fastjson.dumps(value) == _stdlib(value)


def test_the_apps_json_provider_writes_through_it() -> None:
    from flask import Flask

    provider = JSONProvider(Flask(__name__))
    body = {
        "persen": decimal.Decimal("12.50"),
        "bulat": decimal.Decimal("3"),
        "pada": datetime.date(2024, 5, 2),
        "nama": "Kecamatan Medansatria <b>",
    }
    out = provider.dumps(body)
    assert out == '{"persen":12.5,"bulat":3,"pada":"2024-05-02","nama":"Kecamatan Medansatria <b>"}'
    assert provider.dumps(body, separators=(",", ":")) == out
    # Anything else asked of it (pretty printing) is the standard library's.
    assert provider.dumps(body, indent=2) == json.dumps(
        body, indent=2, default=provider.default, ensure_ascii=False
    )
    with pytest.raises(TypeError):
        provider.dumps({"s": {1}})


@settings(max_examples=100)
@given(_values)
def test_reads_what_the_standard_library_reads(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        raw = text.encode("utf-8", "surrogatepass")
        assert _same(fastjson.loads(raw), json.loads(raw))


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (an int is not read as a float)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(
    "text",
    [
        b'{"n": 123456789012345678901234567890}',  # orjson would read a float
        b'{"phash": 18446744073709551615, "neg": -9223372036854775809}',
        b"[1e400, -1e400, NaN, Infinity]",  # not JSON, but json.loads reads them
        b'{"a": "\\ud800"}',  # a lone surrogate, escaped
        b'{"a": 1, "a": 2}',
        b"[" * 300 + b"]" * 300,
        '{"nama": "Medan Satria é"}',  # a str, as well as bytes
    ],
)
def test_reads_edge_texts_as_the_standard_library(text: bytes | str) -> None:
    assert _same(fastjson.loads(text), json.loads(text))


def test_bad_json_is_refused_as_by_the_standard_library() -> None:
    with pytest.raises(json.JSONDecodeError):
        fastjson.loads(b'{"a": ')
