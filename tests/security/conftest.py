"""tests/security: one module per OWASP API Security Top 10 (2023) item, against the real
services (the shared fixtures are in tests/conftest.py)."""

from __future__ import annotations

from tests.support.fixtures import _fast_demo_hashes

__all__ = ["_fast_demo_hashes"]
