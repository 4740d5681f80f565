"""Domain errors. Messages are Bahasa Indonesia: they reach field officers as they are.

The HTTP layer maps each class to a status code; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field. `path` locates it, e.g. ("features", 3, "geometry")."""

    path: tuple[str | int, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pointer": json_pointer(self.path), "message": self.message}
        # Index of the feature in an imported collection, so QGIS users can find it.
        if len(self.path) >= 2 and self.path[0] == "features" and isinstance(self.path[1], int):
            out["feature_index"] = self.path[1]
        return out


def json_pointer(path: Sequence[str | int]) -> str:
    """RFC 6901 pointer for a path ('' is the whole document)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "".join("/" + p for p in parts)


@dataclass
class DomainError(Exception):
    message: str
    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """The input breaks a rule; the caller must change it (HTTP 422)."""


class NotFound(DomainError):
    """No such object, or not one the caller may see (HTTP 404)."""


class Conflict(DomainError):
    """The input clashes with what is stored (HTTP 409)."""


class Unauthenticated(DomainError):
    """No valid sign-in (HTTP 401). Messages never say which part was wrong."""


class Forbidden(DomainError):
    """Signed in, but this role may not do this (HTTP 403)."""


class Unsupported(DomainError):
    """The body is not of a kind this endpoint takes (HTTP 415)."""


class TooLarge(DomainError):
    """The body is over the size limit (HTTP 413)."""


class Unavailable(DomainError):
    """A service this needs is down; nothing was written; try again (HTTP 503)."""
