"""The house's shape, held by the code's own imports: no import cycles; layers that import only downward; a core
free of the rest of bpnn and of heavy libraries; modules small enough to hold one job; one version; and no
document named by the code that the repository lacks.

The import graph is grimp's, built from every ``import`` statement in ``src/bpnn``. It includes the imports
inside functions (grimp reads every statement, at any depth; ``test_the_graph_holds_imports_inside_functions``
checks it): bpnn imports lazily so that ``import bpnn`` and ``bpnn --help`` stay fast, and a lazy import binds
two modules as soon as the function runs, so it counts like a top-level one. It also includes the imports under
``if TYPE_CHECKING:``: they never run, but they tie two modules for every reader and type checker.

What counts as a cycle. Every module is a node, a package's ``__init__`` included, and every import statement is
an edge. Importing a package runs its ``__init__``, so an edge into a package's face is an edge into everything
that face re-exports: a submodule that imports its own package's face, while the face imports the submodule, is
a cycle (it works only thanks to the order of the imports), and so is any longer loop through a face. What is
NOT an edge is Python's implicit import of the parent package when a submodule is imported
(``import bpnn.distributed.objective`` first runs ``bpnn/distributed/__init__.py``): no statement says it, and
counting it would make every face that re-exports its submodules a cycle with each of them although no
submodule depends on its face. So a face that only hands on its submodules' names adds no cycle, while a
submodule that reaches back up through its face does (``test_a_face_is_no_cycle_but_reaching_back_through_it_is``).

Layers, top down (a module may import its own layer's package and any layer below it, never one above; where
several packages share a layer they are independent, importing none of each other; grimp follows chains, so an
import that reaches a higher layer through a module outside the layers, such as the ``bpnn`` root, counts too).
``bpnn`` (the lazy root face, whose ``TYPE_CHECKING`` imports reach the public names) and ``bpnn._version`` (a
leaf) are in no layer; nothing in bpnn imports the root, and the version imports nothing.
"""

import re
import sys
from pathlib import Path

import grimp
import pytest

import bpnn
from bpnn._version import __version__

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "bpnn"

LAYERS = [  # (packages of one layer, why it stands there), top down
    (("bpnn.__main__",), "python -m bpnn: runs the command line"),
    (("bpnn.cli",), "the commands: the top, nothing imports them"),
    (("bpnn.web",), "the playground's server: only the playground command imports it, when it runs"),
    (("bpnn.reports",), "metrics, plots, the HTML report, the progress display: they present fitted models"),
    (("bpnn.selection",), "tuning, cross-validation, importance: they fit and judge estimators"),
    (("bpnn.distributed", "bpnn.exporters"), "estimators on a cluster; fitted models written as code"),
    (("bpnn.estimators",), "the scikit-learn estimators"),
    (("bpnn.files",), "atomic writes, model files, checkpoints: a registry of kinds, filled from above"),
    (("bpnn.tables",), "CSV/TSV/Excel/Parquet tables as validated inputs"),
    (("bpnn.preprocessing",), "scalers, divisions, encoders"),
    (("bpnn.derivation",), "the seed's derivation on real numbers, as data and as text"),
    (("bpnn.seed", "bpnn.datasets", "bpnn.series"), "the textbook's network; the generated 2-D data sets; "
                                                   "time series as lag matrices"),
    (("bpnn.core",), "NumPy only: networks, losses, optimizers, training, solvers"),
]
CORE_MAY_IMPORT = {"numpy", "scipy", "threadpoolctl", "numba"}  # SciPy, threadpoolctl and Numba (the optional
# compiled updates, bpnn[fast]) lazily, inside the functions
MAX_LINES = 700
LONG_BY_NATURE = {  # module -> why it may be longer than MAX_LINES
    "derivation/words.py": "the explain trace's sentences in English and Chinese: a table of words, one entry a "
                           "line, that grows by a block per language, not by a second job",
}


def import_graph(external: bool = False) -> grimp.ImportGraph:
    return grimp.build_graph("bpnn", include_external_packages=external, cache_dir=None)


# ---- the checks, as functions of a graph, so that a synthetic graph can show they catch what they should -----
def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import cycles: each strongly connected set of modules (Tarjan), as one closed chain of imports
    through its first module, shortest first."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph.modules)))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    loops = []
    for component in found:
        start = component[0]
        back = min((graph.find_shortest_chain(importer=imported, imported=start, as_packages=False) or () for imported in
                    graph.find_modules_directly_imported_by(start) if imported in component), key=len)
        loops.append([start, *back])
    return sorted(loops, key=len)


def layer_violations(graph: grimp.ImportGraph, layers: list = LAYERS) -> list[str]:
    """Each import chain that runs from a layer up to a higher one, or between packages sharing a layer."""
    present = [tuple(name for name in names if name in graph.modules) for names, _ in layers]
    contract = [grimp.Layer(*names, independent=True) for names in present if names]
    lines = []
    for dependency in sorted(graph.find_illegal_dependencies_for_layers(contract),
                             key=lambda d: (d.importer, d.imported)):
        for route in dependency.routes:
            for head in sorted(route.heads):
                for tail in sorted(route.tails):
                    chain = " -> ".join([head, *route.middle, tail])
                    lines.append(f"{dependency.importer} must not import {dependency.imported}: {chain}")
    return lines


def imports_of(graph: grimp.ImportGraph, prefix: str) -> set[tuple[str, str]]:
    """(importer, imported) for every import made by ``prefix`` or its submodules."""
    return {(module, imported) for module in graph.modules if module == prefix or module.startswith(prefix + ".")
            for imported in graph.find_modules_directly_imported_by(module)}


def where(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(f"{importer}:{d['line_number']} `{d['line_contents']}`" for d in details) or f"{importer} -> {imported}"


# ---- the house ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return import_graph()


def test_the_graph_holds_imports_inside_functions(graph):
    # bpnn.cli.explain imports bpnn.derivation only inside its command functions
    assert graph.direct_import_exists(importer="bpnn.cli.explain", imported="bpnn.derivation")
    text = (SRC / "cli" / "explain.py").read_text(encoding="utf-8")
    lines = [d["line_number"] for d in graph.get_import_details(importer="bpnn.cli.explain", imported="bpnn.derivation")]
    assert all(text.splitlines()[n - 1].startswith(" ") for n in lines), "expected imports inside functions"


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(
        "  " + " -> ".join(loop) + "\n" + "\n".join(f"    {where(graph, a, b)}" for a, b in zip(loop, loop[1:]))
        for loop in found)


def test_layers_import_only_downward(graph):
    violations = layer_violations(graph)
    assert not violations, "imports that run up a layer (or across one):\n  " + "\n  ".join(violations)


def test_nothing_imports_the_package_root_or_the_command_line(graph):
    importers = sorted(m for m in graph.find_modules_that_directly_import("bpnn"))
    assert not importers, ("the lazy root face is for users; inside bpnn import the module that defines the name "
                           "(the version: bpnn._version):\n  " + "\n  ".join(where(graph, m, "bpnn") for m in importers))
    cli = {m for m in graph.modules if m == "bpnn.cli" or m.startswith("bpnn.cli.")}
    outside = sorted((m, c) for c in cli for m in graph.find_modules_that_directly_import(c)
                     if m not in cli and m != "bpnn.__main__")
    assert not outside, "the command line is the top; nothing imports it:\n  " + "\n  ".join(
        where(graph, m, c) for m, c in outside)
    assert not graph.find_modules_directly_imported_by("bpnn._version")


@pytest.mark.parametrize("package, allowed", [("bpnn.core", ("bpnn.core",)), ("bpnn.seed", ("bpnn.core",))])
def test_the_core_and_the_seed_import_only_the_core_of_bpnn(graph, package, allowed):
    wrong = sorted((a, b) for a, b in imports_of(graph, package)
                   if not any(b == p or b.startswith(p + ".") for p in allowed))
    assert not wrong, f"{package} may import only {', '.join(allowed)} of bpnn:\n  " + "\n  ".join(
        where(graph, a, b) for a, b in wrong)


def test_the_core_imports_nothing_heavy():
    graph = import_graph(external=True)
    heavy = sorted((a, b) for a, b in imports_of(graph, "bpnn.core")
                   if not b.startswith("bpnn") and b not in CORE_MAY_IMPORT and b not in sys.stdlib_module_names)
    assert not heavy, (f"the core imports NumPy ({', '.join(sorted(CORE_MAY_IMPORT - {'numpy'}))} lazily) and the "
                       f"standard library only:\n  " + "\n  ".join(where(graph, a, b) for a, b in heavy))


def test_no_module_is_over_the_line_limit():
    long = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_BY_NATURE:
            long[name] = lines
    assert not long, (f"modules over {MAX_LINES} lines usually hold two jobs; split them by job: "
                      + ", ".join(f"src/bpnn/{name} ({lines})" for name, lines in long.items()))


def test_one_version():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^version = "([^"]+)"', project, re.MULTILINE).group(1) == __version__ == bpnn.__version__


def test_documents_the_code_names_are_in_the_repository():
    named, outside = set(), []
    for path in [*SRC.rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        named |= {(path, doc) for doc in re.findall(r"\bdocs/[\w.-]+\.md\b", text)}
        outside += [f"{path.relative_to(ROOT)}: {hit}" for hit in re.findall(r"\bshared/\S+", text)]
    missing = sorted(f"{path.relative_to(ROOT)} names {doc}" for path, doc in named if not (ROOT / doc).is_file())
    assert not missing, "documents named but missing:\n  " + "\n  ".join(missing)
    assert not outside, "paths outside the repository rot; point into docs/ instead:\n  " + "\n  ".join(outside)


# ---- the checks catch what they should -------------------------------------------------------------------------
def synthetic(*imports: str) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for line in imports:
        importer, imported = line.split(" -> ")
        for module in (importer, imported):
            graph.add_module(module)
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_the_layers_check_catches_an_upward_import_direct_or_through_the_root():
    layers = [(("app.cli",), ""), (("app.estimators",), ""), (("app.core",), "")]
    fine = synthetic("app.cli -> app.estimators", "app.estimators -> app.core", "app.cli -> app.core")
    assert layer_violations(fine, layers) == []
    upward = synthetic("app.cli -> app.estimators", "app.estimators -> app.core", "app.core -> app.estimators")
    assert layer_violations(upward, layers) == [
        "app.core must not import app.estimators: app.core -> app.estimators"]
    through_root = synthetic("app.core -> app", "app -> app.estimators")  # the root outside the layers
    assert layer_violations(through_root, layers) == [
        "app.core must not import app.estimators: app.core -> app -> app.estimators"]
    siblings = synthetic("app.reports -> app.exporters")
    assert layer_violations(siblings, [(("app.reports", "app.exporters"), "")]) == [
        "app.reports must not import app.exporters: app.reports -> app.exporters"]


def test_a_face_is_no_cycle_but_reaching_back_through_it_is():
    face = synthetic("pkg -> pkg.a", "pkg -> pkg.b", "pkg.a -> pkg.b", "user -> pkg")
    assert cycles(face) == []
    back_through_face = synthetic("pkg -> pkg.a", "pkg -> pkg.b", "pkg.b -> pkg")
    assert cycles(back_through_face) == [["pkg", "pkg.b", "pkg"]]
    lazy_loop = synthetic("x.trace -> x.render", "x.render -> x.words", "x.words -> x.trace")
    assert cycles(lazy_loop) == [["x.render", "x.words", "x.trace", "x.render"]]
