"""The architecture, checked: each layer imports only from below, and no module imports itself
back through others. Layers, bottom first (README, Layout):

    common/ -> physics/, quantize/ -> models/ -> hls/ -> l1cnn/
    inside l1cnn/: the library modules -> stages/ -> scan/ (runs the stages' steps per point) -> commands/ -> cli.py

Every import statement counts, also those inside functions (they run too).
"""

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.unit

PACKAGES = ("common", "physics", "quantize", "models", "hls", "l1cnn")
RANK = {"common": 0, "physics": 1, "quantize": 1, "models": 2, "hls": 3,
        "l1cnn": 4, "l1cnn.stages": 5, "l1cnn.scan": 6, "l1cnn.commands": 7, "l1cnn.cli": 8}


def layer_of(module: str) -> str:
    """The most specific entry of RANK that contains `module`."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANK:
            return ".".join(parts[:n])
    raise KeyError(module)


def project_modules() -> dict:
    """{module name: path} of every project module."""
    out = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            out[name] = path
    return out


def imports_of(path: Path, module: str, known) -> set:
    """Project modules `module` imports (resolving relative imports and `from pkg import submodule`)."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_pkg else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        if isinstance(node, ast.ImportFrom):  # `from pkg import module` depends on the module, not on pkg
            modules = [n for n in names[1:] if n in known]
            names = modules + ([names[0]] if len(modules) < len(names) - 1 else [])
        for name in names:
            while name and name not in known:  # a.b.c -> the longest known prefix
                name = name.rpartition(".")[0]
            if name and name.split(".")[0] in PACKAGES:
                found.add(name)
    found.discard(module)
    return found


@pytest.fixture(scope="module")
def graph():
    mods = project_modules()
    return {m: imports_of(p, m, mods) for m, p in mods.items()}


def test_every_module_has_a_layer(graph):
    assert len(graph) > 40
    for m in graph:
        layer_of(m)


def test_no_import_from_a_layer_above(graph):
    bad = []
    for m, deps in graph.items():
        src = layer_of(m)
        for d in deps:
            dst = layer_of(d)
            if not (dst == src or RANK[dst] < RANK[src]):
                bad.append(f"{m} ({src}) imports {d} ({dst})")
    assert not bad, "upward or sideways imports:\n" + "\n".join(sorted(bad))


def test_no_import_cycles(graph):
    def edges(m):
        return graph[m]

    state, cycles = {}, []

    def visit(m, stack):
        state[m] = 1
        stack.append(m)
        for d in sorted(edges(m)):
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_scan_sees_an_upward_import(tmp_path):
    """The check can fail: a bottom-layer module importing l1cnn is caught."""
    f = tmp_path / "bad.py"
    f.write_text("def f():\n    from l1cnn.cache import make_key\n")
    deps = imports_of(f, "physics.bad", {"l1cnn", "l1cnn.cache", "physics", "physics.bad"})
    assert deps == {"l1cnn.cache"}
    assert RANK[layer_of("l1cnn.cache")] > RANK[layer_of("physics.bad")]
