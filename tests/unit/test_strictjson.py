"""The API's JSON boundary: what Python's json module would let through (NaN, Infinity,
numbers beyond any column, NUL, lone surrogates, deep nesting) is refused at its field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.errors import InvalidInput
from k3zones.strictjson import MAX_DEPTH, loads, text_problem


def pointers(body: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as exc:
        loads(body)
    return {e.as_dict()["pointer"]: e.message for e in exc.value.errors}


@pytest.mark.parametrize(
    ("body", "pointer", "word"),
    [
        ('{"findings": [{"count": NaN}]}', "/findings/0/count", "NaN"),
        ('{"accuracy_m": Infinity}', "/accuracy_m", "Infinity"),
        ('{"a": -Infinity}', "/a", "Infinity"),
        ('{"radius_m": 1e400}', "/radius_m", "terlalu besar"),
        ('{"year": ' + "9" * 40 + "}", "/year", "terlalu besar"),
        ('{"name": "Jl. Sultan\\u0000Agung"}', "/name", "NUL"),
        ('{"notes": ["ok", "\\ud800"]}', "/notes/1", "surrogate"),
        (
            '{"geometry": {"type": "Point", "coordinates": [NaN, 1]}}',
            "/geometry/coordinates/0",
            "NaN",
        ),
    ],
)
def test_a_value_json_allows_but_the_api_does_not_is_refused_at_its_field(body, pointer, word):
    found = pointers(body)
    assert pointer in found and word in found[pointer]


def test_a_key_with_nul_is_refused_too():
    found = pointers('{"na\\u0000me": 1}')
    assert any("NUL" in m for m in found.values())


def test_nesting_beyond_the_limit_is_refused_without_a_crash():
    assert any(
        "bersarang" in m for m in pointers("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)).values()
    )
    assert any("bersarang" in m for m in pointers("[" * 100_000 + "]" * 100_000).values())


def test_every_problem_is_named_not_only_the_first():
    found = pointers('{"a": NaN, "b": "x\\u0000", "c": [1, Infinity]}')
    assert set(found) == {"/a", "/b", "/c/1"}


def test_ordinary_documents_pass_unchanged():
    doc = {"type": "patroli", "count": 3, "accuracy_m": 6.5, "notes": "Trotoar bersih ✓", "n": -12}
    assert loads(json.dumps(doc)) == doc
    assert loads(json.dumps(doc).encode()) == doc


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**17), 10**17)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_document_is_returned_as_it_was_or_refused_with_a_reason(doc):
    text = json.dumps(doc)
    try:
        assert loads(text) == doc
    except InvalidInput as exc:
        assert exc.errors and all(e.message for e in exc.errors)


_ANY_CHAR = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),  # lone surrogates, left out by default
    st.just("\x00"),
)


@given(st.text(_ANY_CHAR))
def test_any_text_is_refused_exactly_when_it_holds_nul_or_a_lone_surrogate(value):
    # The rule as written out character by character; text_problem takes shortcuts.
    bad = "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)
    assert (text_problem(value) is not None) == bad
