"""The project's import graph, read from the source with `ast` (nothing is imported).

Every `import` and `from ... import` statement counts: at module level, under
`if TYPE_CHECKING:`, inside functions. `from pkg import name` points at the module
`pkg.name` when there is one, else at `pkg`. Importing `pkg.sub` runs `pkg/__init__.py`
first, but that implicit edge is not drawn: otherwise every package whose `__init__`
re-exports its own submodules would look like a cycle with each of them. An edge from a
package's `__init__` to its submodule, and back from the submodule to a name the
`__init__` defines, is a real cycle and is reported.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it is, and in what context."""

    source: str  # the importing module
    target: str  # a project module, or the dotted name of an outside one
    path: str  # file, relative to the project root
    line: int
    end_line: int
    in_function: bool
    type_checking: bool
    external: bool

    @property
    def where(self) -> str:
        kind = (
            " (inside a function)"
            if self.in_function
            else " (under TYPE_CHECKING)"
            if self.type_checking
            else ""
        )
        return f"{self.path}:{self.line}{kind}"


@dataclass
class Project:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)  # name -> file
    packages: set[str] = field(default_factory=set)
    imports: list[Import] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # path -> source lines

    def edges(self) -> dict[str, list[Import]]:
        """Project module -> its imports of other project modules."""
        out: dict[str, list[Import]] = {m: [] for m in self.modules}
        for imp in self.imports:
            if not imp.external and imp.target != imp.source:
                out[imp.source].append(imp)
        return out


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def scan(root: Path, tops: Iterable[str]) -> Project:
    """Read every .py file of the given top-level packages (or modules, like app.py)."""
    project = Project(root)
    files: list[Path] = []
    for top in tops:
        pkg, mod = root / top, root / f"{top}.py"
        if pkg.is_dir():
            files += sorted(p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts)
        elif mod.is_file():
            files.append(mod)
    for path in files:
        name = module_name(root, path)
        project.modules[name] = path
        if path.name == "__init__.py":
            project.packages.add(name)
    for name, path in project.modules.items():
        source = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(root))
        project.lines[rel] = source.splitlines()
        tree = ast.parse(source, filename=rel)
        project.imports += _imports(project, name, rel, tree)
    return project


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(project: Project, module: str, rel: str, tree: ast.Module) -> Iterator[Import]:
    is_package = module in project.packages

    def resolve(name: str) -> tuple[str, bool]:
        """The longest project module that `name` starts with, or the outside name."""
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            candidate = ".".join(parts[:i])
            if candidate in project.modules:
                return candidate, False
        return name, True

    def walk(body: list[ast.stmt], in_function: bool, type_checking: bool) -> Iterator[Import]:
        """The import statements of a block and of the blocks nested in it (an import is
        a statement: expressions need no visit)."""
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield make(node, alias.name, in_function, type_checking)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = module if is_package else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}".strip(".") if base else package
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    target = sub if sub in project.modules else base
                    yield make(node, target, in_function, type_checking)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(node.body, True, type_checking)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                yield from walk(node.body, in_function, True)
                yield from walk(node.orelse, in_function, type_checking)
            else:
                for name in ("body", "orelse", "finalbody"):
                    block = getattr(node, name, None)
                    if isinstance(block, list):
                        yield from walk(block, in_function, type_checking)
                for part in getattr(node, "handlers", []) + getattr(node, "cases", []):
                    yield from walk(part.body, in_function, type_checking)

    def make(node: ast.stmt, name: str, in_function: bool, type_checking: bool) -> Import:
        target, external = resolve(name)
        return Import(
            module,
            target,
            rel,
            node.lineno,
            node.end_lineno or node.lineno,
            in_function,
            type_checking,
            external,
        )

    yield from walk(tree.body, False, False)


def cycles(project: Project) -> list[list[Import]]:
    """One concrete cycle (as the imports that close it) per group of modules that import
    each other, found with Tarjan's strongly connected components."""
    graph = project.edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for imp in graph[v]:
            w = imp.target
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)

    found = []
    for group in sorted(groups):
        members = set(group)
        start = group[0]
        # Breadth-first from the group's first module back to itself, inside the group.
        paths: dict[str, list[Import]] = {start: []}
        queue = [start]
        closing: list[Import] | None = None
        while queue and closing is None:
            v = queue.pop(0)
            for imp in sorted(graph[v], key=lambda i: (i.target, i.line)):
                if imp.target == start:
                    closing = [*paths[v], imp]
                    break
                if imp.target in members and imp.target not in paths:
                    paths[imp.target] = [*paths[v], imp]
                    queue.append(imp.target)
        assert closing is not None
        found.append(closing)
    return found


def describe(cycle: list[Import]) -> str:
    names = " -> ".join([cycle[0].source, *(i.target for i in cycle)])
    steps = "; ".join(f"{i.source} imports {i.target} at {i.where}" for i in cycle)
    return f"{names}\n    {steps}"


def uncommented_function_imports(project: Project) -> list[Import]:
    """Imports inside a function with no comment on their own lines nor on the line
    directly above. A comment line above a run of consecutive import lines covers the run.
    (An import statement holds no string, so any "#" on its lines starts a comment.)"""
    by_path: dict[str, list[Import]] = {}
    for imp in project.imports:
        by_path.setdefault(imp.path, []).append(imp)
    offenders = []
    for path, imps in by_path.items():
        lines = project.lines[path]
        import_lines = {n for i in imps for n in range(i.line, i.end_line + 1)}
        commented = functools.partial(_commented, lines, import_lines)
        seen = set()
        for imp in imps:
            if not imp.in_function or imp.line in seen:
                continue
            seen.add(imp.line)
            if any(commented(n) for n in range(imp.line, imp.end_line + 1)):
                continue
            above = imp.line - 1
            while above in import_lines and not commented(above):
                above -= 1
            if not commented(above):
                offenders.append(imp)
    return sorted(offenders, key=lambda i: (i.path, i.line))


def _commented(lines: list[str], import_lines: set[int], n: int) -> bool:
    text = lines[n - 1] if 0 < n <= len(lines) else ""
    return "#" in text if n in import_lines else text.lstrip().startswith("#")
