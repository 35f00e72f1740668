"""The package's import structure: layers that import only downward, and no import cycle.

Every import counts, at module level, inside functions and under ``TYPE_CHECKING`` alike (grimp reads them
all). A module imports only modules of its own layer or of the layers below it; the table below is the one
place that says which layer a module belongs to (docs/architecture.md draws it).
"""

import grimp
import networkx as nx
import pytest

# From the bottom up. A package name covers its submodules.
LAYERS = [
    ("core", ["errors", "outcomes", "cache", "masks", "issues", "rules", "preferences", "offers", "analysis", "clock",
              "views", "streams", "per_replication", "files",
              "scalars"]),
    ("strategies and protocols", ["strategies", "protocols", "negmas"]),
    ("scenario", ["scenario", "scenarios", "parameter_sets"]),
    ("domestic politics", ["domestic"]),
    ("agents", ["agents"]),
    ("model", ["model", "records"]),
    ("simulate", ["simulate"]),
    ("front ends", ["sampled", "figures", "classroom", "app", "experiment", "calibration", "cli", "__init__"]),
]


def layer_of(module: str) -> int:
    name = module.removeprefix("bargaining").removeprefix(".").split(".")[0] or "__init__"
    for n, (_, names) in enumerate(LAYERS):
        if name in names:
            return n
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in tests/test_layers.py and "
                         "docs/architecture.md")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("bargaining", cache_dir=None)


def edges(graph):
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def test_every_module_has_a_layer(graph):
    for module in graph.modules:
        layer_of(module)


def test_imports_only_run_downward(graph):
    upward = [f"{a} (layer {LAYERS[layer_of(a)][0]}) imports {b} (layer {LAYERS[layer_of(b)][0]})"
              for a, b in edges(graph) if layer_of(b) > layer_of(a)]
    assert not upward, "imports that run up a layer:\n" + "\n".join(upward)


def test_no_import_cycle(graph):
    g = nx.DiGraph(list(edges(graph)))
    # a package's __init__ importing its own submodules is not a dependency of theirs on it
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join([*c, c[0]]) for c in cycles[:10])
