"""The package's import graph has no cycle, lazy (function-level) imports included (issue 17: training.checkpoint and
datasets.checkpoints used to import each other through the datasets package)."""

from __future__ import annotations

import ast

import networkx as nx

from tests.conftest import ROOT

SRC = ROOT / "src"


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for path in SRC.joinpath("phadtf_kedro").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> nx.DiGraph:
    """module → modules whose code runs when it imports (a dotted import runs every package on the way, except the
    importer's own enclosing packages, which are already running)."""
    modules, graph = _modules(), nx.DiGraph()

    def runs(importer: str, name: str) -> set[str]:
        prefixes = (".".join(name.split(".")[: i + 1]) for i in range(name.count(".") + 1))
        return {m for m in prefixes if m in modules and not (importer + ".").startswith(m + ".")}

    for module, path in modules.items():
        graph.add_node(module)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = set().union(*(runs(module, a.name) for a in node.names))
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                name = ".".join(base + ([node.module] if node.module else []))
                targets = runs(module, name).union(*(runs(module, f"{name}.{a.name}") for a in node.names))
            else:
                continue
            graph.add_edges_from((module, t) for t in targets - {module})
    return graph


def test_the_graph_sees_lazy_and_package_imports():
    graph = import_graph()
    assert graph.has_edge("phadtf_kedro.datasets.audio", "phadtf_kedro.audio.driving")  # a function-level import
    assert graph.has_edge("phadtf_kedro.training.checkpoint", "phadtf_kedro.atomic")
    assert graph.has_edge("phadtf_kedro.settings", "phadtf_kedro.hooks")


def test_no_import_cycles():
    cycles = sorted(nx.simple_cycles(import_graph()), key=len)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c + [c[0]]) for c in cycles[:5])
