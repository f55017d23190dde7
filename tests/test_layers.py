"""The floors of the station: which package may import which, and no import loop anywhere.

Read from the source with :mod:`ast`, imports inside functions included (a lazy import is
still a dependency). ``docs/architecture.md`` draws the same floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ground", "robots", "printers", "lessons", "kit", "web")
#: floor of each package; a module imports only from its own package or a lower floor
FLOORS = {"ground": 0, "robots": 1, "printers": 1, "lessons": 2, "kit": 3, "web": 4}
#: the roof: the application factory and the command line assemble every floor
ROOF = {"kit.app": 5, "kit.cli": 5}


def module_files(root: Path) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom,
             modules: dict[str, Path]) -> set[str]:
    """The project modules an import statement loads (the deepest one it names)."""
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        wanted = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                  for alias in node.names]
    out: set[str] = set()
    for target in wanted:
        while target and target not in modules:  # ``import a.b.c`` of a function: a.b
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_files(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name] |= _targets(name, path, node, modules)
    return graph


def floor(module: str) -> int:
    return ROOF.get(module, FLOORS[module.split(".")[0]])


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a higher floor, or of a sibling package on the same floor."""
    wrong = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            same_package = module.split(".")[0] == target.split(".")[0]
            if floor(target) > floor(module) or (
                    floor(target) == floor(module) and not same_package):
                wrong.append(f"{module} -> {target}")
    return wrong


def import_loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    loops.append(sorted(group))
    return loops


def test_no_module_imports_a_higher_floor():
    assert upward_imports(import_graph(ROOT)) == []


def test_no_import_loop_anywhere():
    assert import_loops(import_graph(ROOT)) == []


def test_the_rules_catch_a_loop_and_an_upward_import(tmp_path):
    """The checks above can fail: a made-up project with both faults is caught."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "ground" / "i18n.py").write_text("def _(s):\n    from kit import app\n")
    (tmp_path / "kit" / "app.py").write_text("from web import pupil\n")
    (tmp_path / "kit" / "models.py").write_text("import json\n")
    (tmp_path / "web" / "pupil.py").write_text("from kit.models import x\nfrom . import live\n")
    (tmp_path / "web" / "live.py").write_text("from .pupil import y\n")
    (tmp_path / "robots" / "fleet.py").write_text("import printers.queue\n")
    (tmp_path / "printers" / "queue.py").write_text("")
    graph = import_graph(tmp_path)
    assert upward_imports(graph) == ["ground.i18n -> kit.app", "robots.fleet -> printers.queue"]
    assert import_loops(graph) == [["web.live", "web.pupil"]]
