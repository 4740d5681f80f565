"""Run a list of named cases and report every one that escapes as an exception (a crash
where the code should have answered), all together, instead of stopping at the first."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def check_all(cases: Iterable[tuple[str, Callable[[], object]]]) -> None:
    """Assertion failures propagate at once; crashes are gathered and failed together."""
    crashed = []
    for name, case in cases:
        try:
            case()
        except AssertionError:
            raise
        except Exception as exc:
            crashed.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not crashed, "inputs that crash instead of getting an answer:\n" + "\n".join(crashed)
