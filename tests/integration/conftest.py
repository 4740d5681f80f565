"""Integration-only fixtures (the shared service fixtures are in tests/conftest.py)."""

from __future__ import annotations

from tests.support.fixtures import _fast_demo_hashes

__all__ = ["_fast_demo_hashes"]
