"""The house: certlib's packages import only downwards (design §6), and the graph has no cycles.

The graph is read from the source (every ``import certlib.X`` / ``from certlib.X``, also inside
functions), so a deferred import cannot hide an upward edge."""

from __future__ import annotations

import ast
from pathlib import Path

import certlib

ROOT = Path(certlib.__file__).parent

#: each package's layer: a module imports its own package or lower layers; errors is the floor.
LAYERS: dict[str, int] = {
    "errors": 0,
    "config": 1,
    "domain": 2,
    "identity": 2,
    "rules": 3,
    "engine": 4,
    "store": 4,
    "generate": 4,
    "reports": 5,
    "services": 6,
    "apps": 7,
    "cli": 8,
}
#: same-layer edges that are allowed
SIDEWAYS: set[tuple[str, str]] = set()


def import_graph() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the files that make the edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        src = rel.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                parts = name.split(".")
                if parts[0] == "certlib" and len(parts) > 1 and parts[1] != src:
                    edges.setdefault((src, parts[1]), []).append(str(rel))
    return edges


def test_every_package_has_a_layer():
    packages = {
        p.name.removesuffix(".py")
        for p in ROOT.iterdir()
        if (p.suffix == ".py" and p.name != "__init__.py") or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert packages <= set(LAYERS), f"give these a layer in LAYERS: {sorted(packages - set(LAYERS))}"


def test_imports_point_down():
    upward = {
        f"{a} -> {b} ({', '.join(sorted(set(files)))})"
        for (a, b), files in import_graph().items()
        if LAYERS[b] > LAYERS[a] or (LAYERS[b] == LAYERS[a] and (a, b) not in SIDEWAYS)
    }
    assert not upward, "imports that point up or sideways:\n" + "\n".join(sorted(upward))


def test_no_cycles():
    graph: dict[str, set[str]] = {}
    for a, b in import_graph():
        graph.setdefault(a, set()).add(b)
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert seen.get(nxt) != 1, "import cycle: " + " -> ".join([*path, node, nxt])
            if nxt not in seen:
                visit(nxt, [*path, node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])
