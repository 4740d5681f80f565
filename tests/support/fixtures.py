"""Fixtures shared by the layers that use the services (imported by their conftest.py)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _fast_demo_hashes() -> Iterator[None]:
    """Argon2 is slow on purpose; the same demo passwords are hashed once per test run."""
    import k3zones.services.sample  # lazy: only a test run that loads sample data pays for the ORM

    original = k3zones.services.sample.hash_password
    k3zones.services.sample.hash_password = functools.lru_cache(maxsize=None)(original)
    yield
    k3zones.services.sample.hash_password = original
