"""JSON as the API accepts it: RFC 8259 and no more. Python's json module also takes NaN,
Infinity, numbers beyond any column and any nesting; PostgreSQL refuses NUL characters and
lone UTF-16 surrogates. Each of those is answered here, at its field, before any rule or
query sees it."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from k3zones.errors import FieldError, InvalidInput

Path = tuple[str | int, ...]

MAX_DEPTH = 32
# Lone UTF-16 surrogates: Python strings may hold them, PostgreSQL text cannot.
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_INT_DIGITS = 18  # fits PostgreSQL's bigint; no column of ours needs more
MAX_ERRORS = 20


@dataclass(frozen=True)
class _Refused:
    """Stands where the parser met a value the API refuses, so its path can be named."""

    message: str


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} bukan angka JSON yang sah; kirim angka biasa.")


def _int(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _Refused(f"Angka {text[:12]}… terlalu besar.")
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"Angka {text[:12]} terlalu besar.")
    return value


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "Teks memuat karakter NUL (\\u0000); hapus karakter itu."
    # isascii() is O(1) on CPython's compact strings: most text skips the scan.
    if not value.isascii() and _SURROGATE.search(value):
        return "Teks memuat karakter UTF-16 tanpa pasangan (surrogate); periksa isinya."
    return None


def _printable(key: str) -> str:
    return key.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def problems(value: Any) -> list[FieldError]:
    """What in a parsed document the API refuses, each at its path (the first few)."""
    errors: list[FieldError] = []
    stack: list[tuple[Any, Path]] = [(value, ())]
    while stack and len(errors) < MAX_ERRORS:
        v, p = stack.pop()
        if len(p) > MAX_DEPTH:
            errors.append(FieldError(p, f"Data bersarang lebih dari {MAX_DEPTH} tingkat."))
        elif isinstance(v, _Refused):
            errors.append(FieldError(p, v.message))
        elif isinstance(v, str):
            why = text_problem(v)
            if why:
                errors.append(FieldError(p, why))
        elif isinstance(v, dict):
            for k, item in reversed(v.items()):
                why = text_problem(k)
                if why:
                    errors.append(FieldError((*p, _printable(k)), "Nama kolom: " + why))
                else:
                    stack.append((item, (*p, k)))
        elif isinstance(v, list):
            stack.extend(reversed([(item, (*p, i)) for i, item in enumerate(v)]))
    return errors


def loads(body: bytes | str) -> Any:
    """Parse a request body; InvalidInput (422) for what JSON allows but the API does not.
    Syntax errors stay json.JSONDecodeError (the caller words them as a 400)."""
    try:
        data = json.loads(body, parse_constant=_constant, parse_int=_int, parse_float=_float)
    except RecursionError as exc:  # thousands of brackets: refused before any rule runs
        msg = f"Data bersarang lebih dari {MAX_DEPTH} tingkat."
        raise InvalidInput("Data belum benar.", [FieldError((), msg)]) from exc
    errors = problems(data)
    if errors:
        raise InvalidInput("Data belum benar.", errors)
    return data
