"""The import direction of the house: api/ wires bot/ and outreach/; the domain knows neither.

Reads every module's import statements (the source, not a run), so a rule broken in a branch that
no test executes is still caught. "Module level" means what runs when the module is imported:
imports inside functions are deliberate lazy imports, and `if TYPE_CHECKING:` blocks never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("outreach", "api", "bot", "messages")
# What the domain may never import: the web framework, the provider SDKs, and our own outer rings.
FORBIDDEN = {
    "outreach": ("api", "bot", "fastapi", "starlette", "uvicorn", "twilio", "telegram", "jinja2"),
    "bot": ("api",),
    "messages": ("api", "bot", "outreach.engine", "outreach.sending"),
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[module_name(path)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, *, module_level_only: bool, root: Path = ROOT) -> Iterator[str]:
    """Every module an import statement of the file names (relative imports resolved)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def walk(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                yield base
                yield from (f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and _type_checking(node):
                if not module_level_only:
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not module_level_only:
                    yield from walk(node.body)
            elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        handler = isinstance(child, ast.ExceptHandler)
                        yield from walk(child.body if handler else [child])

    yield from walk(ast.parse(path.read_text(), filename=str(path)).body)


def _names(target: str, forbidden: str) -> bool:
    return target == forbidden or target.startswith(forbidden + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_rings_never_import_the_outer_ones(package: str) -> None:
    broken = [
        f"{name} imports {target}"
        for name, path in modules().items()
        if name.split(".")[0] == package
        for target in imports(path, module_level_only=False)
        if any(_names(target, forbidden) for forbidden in FORBIDDEN[package])
    ]
    assert broken == []


def _graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = set()
        for target in imports(path, module_level_only=True):
            # `from outreach.booking import slots` names the module outreach.booking.slots.
            while target and target not in known:
                target = target.rpartition(".")[0]
            # A submodule importing its own package is fine: the package is already loading.
            if target and target != name and not name.startswith(target + "."):
                edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                return [*path[path.index(target) :], target]
            elif not state.get(target):
                state[target] = 1
                path.append(target)
                stack.append(iter(sorted(graph[target])))
    return None


def test_no_import_cycle_when_modules_load() -> None:
    assert find_cycle(_graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_reader_tells_module_level_from_lazy_imports(tmp_path: Path) -> None:
    (tmp_path / "example.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "if TYPE_CHECKING:\n    import api.app\n"
        "def later():\n    from bot import telegram\n"
    )
    path = tmp_path / "example.py"
    module_level = set(imports(path, module_level_only=True, root=tmp_path))
    everything = set(imports(path, module_level_only=False, root=tmp_path))
    assert "os" in module_level and "api.app" not in module_level
    assert "bot.telegram" not in module_level
    assert {"api.app", "bot.telegram"} <= everything
