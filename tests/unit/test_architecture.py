"""The layering a newcomer can rely on, checked from the source (see DESIGN.md, Layout):

- k3zones/ is the domain: it never imports the HTTP layer (api, flask and friends) nor
  the worker layer (workers, celery, kombu);
- the modules of k3zones/ outside k3zones/services/ are rules and adapters the services
  use, so they do not import the services;
- no two project modules import each other, even through others;
- an import inside a function says why it is there.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.import_graph import (
    Project,
    cycles,
    describe,
    scan,
    uncommented_function_imports,
)
from tests.support.paths import ROOT

TOPS = ("k3zones", "api", "workers", "app")
# What the domain must not import: the HTTP layer, the worker layer, the process that
# wires them together, and the frameworks each of them is built on.
NOT_IN_DOMAIN = {
    "api",
    "workers",
    "app",
    "flask",
    "flask_smorest",
    "flask_limiter",
    "werkzeug",
    "celery",
    "kombu",
}
# Modules of k3zones/ outside k3zones/services/ allowed to import a service, and why.
# Keep it empty: a rule that needs a use case belongs in the services.
SERVICE_IMPORT_EXCEPTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def project() -> Project:
    return scan(ROOT, TOPS)


def in_domain(module: str) -> bool:
    return module == "k3zones" or module.startswith("k3zones.")


def in_services(module: str) -> bool:
    return module == "k3zones.services" or module.startswith("k3zones.services.")


def test_the_scan_sees_the_whole_project(project):
    # A scanner that silently found nothing would make every rule below pass.
    assert {"k3zones.reports", "k3zones.services", "api", "workers", "app"} <= set(project.modules)
    assert any(i.source == "app" and i.target == "api" for i in project.imports)


def test_the_domain_imports_neither_http_nor_workers(project):
    offenders = [
        f"{i.where}: {i.source} imports {i.target}"
        for i in project.imports
        if in_domain(i.source) and i.target.split(".")[0] in NOT_IN_DOMAIN
    ]
    assert not offenders, "k3zones/ must not import these:\n" + "\n".join(offenders)


# The worker and beat start from workers.main: the HTTP layer is not in their process.
NOT_IN_WORKERS = {"api", "app", "flask", "flask_smorest", "flask_limiter", "werkzeug"}


def test_the_workers_do_not_import_the_http_layer(project):
    offenders = [
        f"{i.where}: {i.source} imports {i.target}"
        for i in project.imports
        if i.source.split(".")[0] == "workers" and i.target.split(".")[0] in NOT_IN_WORKERS
    ]
    assert not offenders, "workers/ must not import these:\n" + "\n".join(offenders)


def test_domain_rules_do_not_import_the_services(project):
    offenders = [
        f"{i.where}: {i.source} imports {i.target}"
        for i in project.imports
        if in_domain(i.source)
        and not in_services(i.source)
        and in_services(i.target)
        and i.source not in SERVICE_IMPORT_EXCEPTIONS
    ]
    assert not offenders, (
        "Modules of k3zones/ outside k3zones/services/ import a service (move the code "
        "that needs it into the services, or list it in SERVICE_IMPORT_EXCEPTIONS with "
        "the reason):\n" + "\n".join(offenders)
    )


def test_the_service_import_exceptions_are_still_needed(project):
    stale = [
        m
        for m in SERVICE_IMPORT_EXCEPTIONS
        if not any(i.source == m and in_services(i.target) for i in project.imports)
    ]
    assert not stale, f"No longer import a service; drop them from the list: {stale}"


def test_no_import_cycles(project):
    found = cycles(project)
    assert not found, f"{len(found)} import cycle(s):\n" + "\n".join(describe(c) for c in found)


def test_every_import_inside_a_function_says_why(project):
    offenders = [
        f"{i.path}:{i.line}: import of {i.target}" for i in uncommented_function_imports(project)
    ]
    assert not offenders, (
        "Imports inside functions need a comment (same line, or the line above) saying "
        "why they are not at the top of the module:\n" + "\n".join(offenders)
    )


def test_tests_share_helpers_only_through_tests_support():
    tests = scan(ROOT, ["tests"])
    offenders = [
        f"{i.where}: {i.source} imports {i.target}"
        for i in tests.imports
        if not i.external
        and i.target != i.source
        and (
            i.target.rsplit(".", 1)[-1] == "conftest"
            or i.target.rsplit(".", 1)[-1].startswith("test_")
        )
    ]
    assert not offenders, (
        "Tests import helpers from tests/support, never from a conftest or another test "
        "module:\n" + "\n".join(offenders)
    )
    support = [m for m in tests.modules if m.startswith("tests.support.")]
    assert all(not m.rsplit(".", 1)[-1].startswith("test_") for m in support)


# --- the checker itself, on a small made-up project ----------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_the_checker_finds_cycles_and_uncommented_imports(tmp_path):
    write(
        tmp_path,
        {
            # A package re-exporting its submodules is not a cycle with them...
            "pkg/__init__.py": "from pkg.a import A\nfrom . import b\n",
            "pkg/a.py": "from pkg import b\nA = 1\n",
            "pkg/b.py": "import json\n",
            # ...but a submodule importing a name its package's __init__ defines is.
            "loop/__init__.py": "from loop.x import X\nNAME = 1\n",
            "loop/x.py": "from loop import NAME\nX = NAME\n",
            # A cycle through a function-level import is still a cycle.
            "pkg/c.py": """\
                def f():
                    # lazy: only the CLI needs it
                    from pkg import d, b

                    import os
                    import sys  # the same line says why
                """,
            "pkg/d.py": """\
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from .c import f
                def g():
                    from ..other import thing
                """,
            "other.py": "thing = 1\n",
        },
    )
    project = scan(tmp_path, ["pkg", "loop", "other"])
    edges = {(i.source, i.target) for i in project.imports if not i.external}
    assert ("pkg.a", "pkg.b") in edges and ("pkg", "pkg.b") in edges
    assert ("pkg.d", "pkg.c") in edges and ("pkg.d", "other") in edges
    found = {tuple([c[0].source, *(i.target for i in c)]) for c in cycles(project)}
    assert found == {("loop", "loop.x", "loop"), ("pkg.c", "pkg.d", "pkg.c")}
    [c_to_d] = [c for c in cycles(project) if c[0].source == "pkg.c"]
    assert "pkg/c.py:3 (inside a function)" in describe(c_to_d)
    assert "pkg/d.py:3 (under TYPE_CHECKING)" in describe(c_to_d)
    assert [(i.path, i.line) for i in uncommented_function_imports(project)] == [
        ("pkg/c.py", 5),
        ("pkg/d.py", 5),
    ]
