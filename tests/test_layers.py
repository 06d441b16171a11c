"""Imports point down: backend < core < prims < ops < (io, data, summary, ...) < keras
(issue 13).

The test reads every module of ember with `ast` (nothing is imported) and lists each
import of a module in a higher layer, at the top of a file or inside a function. The
known ones are listed below, each with its reason; a new one fails the test, and so does
a listed one that is gone (so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ember
from ember.backend import backends, get_kernel, register_backend
from ember.core.registry import PRIMITIVES

ROOT = Path(ember.__file__).parent

# The layer of each top-level package of ember; a module of ember/ itself (a namespace
# such as ember/math.py) and the package root (ember/__init__.py) are layer 4.
LAYERS = {"backend": 0, "core": 1, "prims": 2, "ops": 3, "autograph": 3, "io": 4, "data": 4,
          "summary": 4, "profiler": 4, "train": 4, "keras": 5}

# (importer, imported): why it is allowed for now.
KNOWN = {
    ("ember.train._format", "ember.keras.saving.weights_file"):
        "tf.train.Checkpoint reads Keras weight files (a true cycle of concepts)",
    ("ember.train._files", "ember.keras.saving.weights_file"):
        "both checkpoint readers raise the DamagedFileError of Keras' weight files",
    ("ember.train._tracking", "ember.keras.engine.layer"):
        "tf.train.Checkpoint tracks Keras layers (a true cycle of concepts)",
    ("ember.train._tracking", "ember.keras.optimizers.optimizer"):
        "tf.train.Checkpoint tracks Keras optimizers (a true cycle of concepts)",
    ("ember.train.manager", "ember.keras.saving.weights_file"):
        "CheckpointManager writes Keras weight files (a true cycle of concepts)",
}


def _layer(module: str) -> float:
    parts = module.split(".")
    return LAYERS.get(parts[1], 4) if len(parts) > 1 else 4


def _module_name(path: Path) -> tuple:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), ".".join(parts[:-1])
    return ".".join(parts), ".".join(parts[:-1])


def _imports(path: Path, package: str) -> list:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.extend(_imports_of(node, package))
    return [t for t in out if t == "ember" or t.startswith("ember.")]


def upward_imports() -> set:
    found = set()
    for path in ROOT.rglob("*.py"):
        module, package = _module_name(path)
        for target in _imports(path, package):
            if _layer(target) > _layer(module):
                found.add((module, target))
    return found


def test_imports_point_down():
    found = upward_imports()
    new = sorted(found - set(KNOWN))
    gone = sorted(set(KNOWN) - found)
    assert not new, f"imports of a higher layer (fix them, or list them with a reason): {new}"
    assert not gone, f"these listed imports are gone: remove them from KNOWN: {gone}"


def test_core_never_imports_ops_at_the_top():
    """What a newcomer can rely on: loading core loads nothing above it."""
    for path in (ROOT / "core").glob("*.py"):
        module, package = _module_name(path)
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets = _imports_of(node, package)
                ours = [t for t in targets if t == "ember" or t.startswith("ember.")]
                assert not [t for t in ours if _layer(t) > 1], (module, ours)


def _package_graph(name: str) -> tuple:
    """Each module of ember.<name> -> the modules of that package it imports, and the
    lines of any import inside a function."""
    graph, inside = {}, []
    for path in sorted((ROOT / name).glob("*.py")):
        module, package = _module_name(path)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside += [f"{module}:{n.lineno}" for n in ast.walk(node)
                           if isinstance(n, (ast.Import, ast.ImportFrom))]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps |= {t for t in _imports_of(node, package)
                         if t.startswith(f"ember.{name}.") and t != module}
        graph[module] = deps
    return graph, inside


@pytest.mark.parametrize("name", ["prims", "ops"])
def test_the_primitive_layer_and_the_ops_import_in_one_order(name):
    """Inside ember.prims and ember.ops imports form a DAG, all at the top of each module:
    a primitive's gradient rule uses only primitives declared before it (or in its own
    module), and no op module needs a late import to load."""
    graph, inside = _package_graph(name)
    assert f"ember.{name}.math" in graph or f"ember.{name}.math_ops" in graph
    assert not inside, f"imports inside functions in ember.{name}: {inside}"
    done: set = set()
    while len(done) < len(graph):  # peel off modules whose imports are all done
        ready = {m for m, deps in graph.items() if m not in done and deps <= done}
        assert ready, f"import circle among {sorted(set(graph) - done)}"
        done |= ready


def _imports_of(node: ast.AST, package: str) -> list:
    """The modules an import statement loads (`from .. import backend` loads
    ember.backend)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[:len(parts) - node.level + 1])
    else:
        base = ""
    if node.module is None:
        return [f"{base}.{a.name}" for a in node.names]
    return [f"{base}.{node.module}" if base else node.module]


# -- kernels per backend (issue 13, point 6) ------------------------------------------
def test_get_kernel_per_backend():
    assert backends()[0] == "numpy"
    assert get_kernel("add") is get_kernel("add", "numpy") is PRIMITIVES["add"].kernel
    with pytest.raises(ValueError, match="Unknown backend 'nope'"):
        get_kernel("add", "nope")
    with pytest.raises(NotImplementedError, match="numpy backend has no kernel for "
                                                  "primitive 'no_such_op'"):
        get_kernel("no_such_op")


def test_registered_backend_kernels_are_found_by_primitive():
    table = {"add": lambda x, y: ("other", x, y)}
    register_backend("test_other", table)
    add = PRIMITIVES["add"]
    assert add.kernel_for("test_other")(1, 2) == ("other", 1, 2)
    assert add.kernel_for("numpy") is add.kernel
    with pytest.raises(NotImplementedError, match="test_other backend has no kernel for "
                                                  "primitive 'multiply'"):
        PRIMITIVES["multiply"].kernel_for("test_other")
    cond = PRIMITIVES["cond"]  # higher-order: runs sub-graphs, the same everywhere
    assert cond.kernel_for("test_other") is cond.kernel
    with pytest.raises(ValueError, match="non-empty string"):
        register_backend("", table)
