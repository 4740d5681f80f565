"""The unit layer: pure rules, no PostgreSQL, no Redis, no network, a few seconds in all.

Nothing here (nor in tests/conftest.py) touches a service unless a test asks for one of
the service fixtures, and no unit test does.
"""

from __future__ import annotations

import importlib
import sys


def _import_without_assert_rewriting(name: str) -> None:
    """pytest rewrites the asserts of every module of a distribution that ships a pytest
    plugin, Hypothesis' ~90 modules included. Where PYTHONDONTWRITEBYTECODE is set (this
    machine, the Dockerfile) nothing caches that work, and it costs about 1.5 s a run: a
    third of the unit layer's budget, spent on asserts inside a library. So Hypothesis is
    imported once with the rewriting hook set aside; our own tests are still rewritten.
    If pytest renames its hook, this quietly does nothing and the import is just slower."""
    hooks = [f for f in sys.meta_path if type(f).__name__ == "AssertionRewritingHook"]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        importlib.import_module(name)
    finally:
        sys.meta_path[:0] = hooks


_import_without_assert_rewriting("hypothesis")
_import_without_assert_rewriting("hypothesis.strategies")

from tests.support.strategies import load_profile  # noqa: E402  (after hypothesis, above)

load_profile()
