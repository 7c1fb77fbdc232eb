"""No import cycle between the package's modules (issue 26): every ``import`` statement counts, at
module level, inside a function (a lazy import) or under ``TYPE_CHECKING``, so a cycle cannot hide
behind a late import. Read from the source with ``ast``: nothing is imported."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "coding_toolkit"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules ``module`` imports (``from pkg import mod`` names the module ``pkg.mod``)."""
    def owner(name: str) -> str | None:  # the module defining ``name``, or the package holding it
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        out |= {owner(t) for t in targets if t.split(".")[0] == "coding_toolkit"} - {None, module}
    return out  # type: ignore[return-value]


def import_graph() -> dict[str, set[str]]:
    known = _module_names()
    return {name: _imported(name, path, known) for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (its modules in import order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_the_package_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, ("import cycle: " + " -> ".join(cycle or []) + "; fix: move what both need "
                           "into a module below them (records.py, a *_files.py), or pass it in")


def test_the_check_sees_lazy_and_type_checking_imports(tmp_path):
    """The detector finds a cycle made only of a function-level import and a TYPE_CHECKING one."""
    known = {"coding_toolkit.a": tmp_path / "a.py", "coding_toolkit.b": tmp_path / "b.py"}
    known["coding_toolkit.a"].write_text("def f():\n    from coding_toolkit.b import g\n")
    known["coding_toolkit.b"].write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                         "    from coding_toolkit import a\n")
    graph = {name: _imported(name, path, known) for name, path in known.items()}
    assert graph == {"coding_toolkit.a": {"coding_toolkit.b"}, "coding_toolkit.b": {"coding_toolkit.a"}}
    assert find_cycle(graph) == ["coding_toolkit.a", "coding_toolkit.b", "coding_toolkit.a"]
    assert find_cycle({"x": {"y"}, "y": set()}) is None
