"""The import graph of app.py, chalicelib/ and infra/, read with `ast` (nothing is imported).

Every import counts: at module level, inside functions, and under `if TYPE_CHECKING:` (a
cycle that only type checkers see is still a cycle for whoever reads the code). The layers of
chalicelib are docs/ARCHITECTURE.md's table "Modules and what each may import".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# chalicelib's layers, lowest first: a module may import its own layer and those below.
LAYERS: dict[str, int] = {
    # 0 values: plain data, configuration, catalogues, errors (no service, no AWS client)
    **dict.fromkeys(
        (
            "values",
            "settings",
            "contract",
            "statuses",
            "categories",
            "plaintext",
            "wallclock",
            "geo",
            "limits",
            "errors",
            "problems",
        ),
        0,
    ),
    # 1 domain rules: pure functions over values
    **dict.fromkeys(("workflow", "units", "reports", "notify", "auth", "open311"), 1),
    # 2 edges: storage, SNS, HTTP adaptation, observability
    **dict.fromkeys(("storage", "topics", "web", "observability", "open311_feed"), 2),
    "open311_keys": 2,  # Open311 API keys in the limits table (pynamodb)
    # 3 operations and jobs: given a store, a writer, a notifier… by the root
    "open311_submit": 3,  # Open311 POST requests: reports.submit with a key's ceiling
    **dict.fromkeys(("officers", "confirmations", "feed", "stream", "overdue", "openapi"), 3),
    # 4 the composition root (app.py, infra, tests and bench use it)
    "deployment": 4,
}
LAYER_NAMES = ("values", "domain", "edges", "operations and jobs", "composition root")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    paths = [ROOT / "app.py", *ROOT.glob("chalicelib/**/*.py"), *ROOT.glob("infra/**/*.py")]
    return {module_name(p): p for p in paths}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` (module `name`) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                # `import a.b.c` imports a, a.b and a.b.c
                parts = alias.name.split(".")
                found |= {".".join(parts[: i + 1]) for i in range(len(parts))} & known
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:  # from chalicelib import feed
                    found.add(submodule)
                elif base in known:  # from chalicelib.feed import FeedWriter
                    found.add(base)
    found.discard(name)
    # A package's own __init__ is not an edge worth reporting (they are empty here).
    return {m for m in found if m not in ("chalicelib", "infra")}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported(path, name, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def describe(graph: dict[str, set[str]], component: list[str]) -> str:
    members = set(component)
    return "; ".join(f"{m} → {', '.join(sorted(graph[m] & members))}" for m in component)


def test_no_module_of_the_app_chalicelib_or_infra_imports_in_a_circle() -> None:
    graph = import_graph()
    assert "chalicelib.deployment" in graph and "infra.admin" in graph  # the walk found them
    found = cycles(graph)
    assert not found, "import cycles: " + " | ".join(describe(graph, c) for c in found)


def test_the_cycle_finder_sees_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    """The checker itself: a cycle hidden by a lazy import or by TYPE_CHECKING is found; a
    plain chain is not a cycle. Fails if either kind of import were left out of the walk."""
    package = tmp_path / "pkg"
    package.mkdir()
    sources = {
        "a": "from pkg import b\n",
        "b": "def later():\n    from pkg.c import thing\n",
        "c": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n",
        "d": "import pkg.a\n",
        "e": "from . import d\n",
    }
    for name, source in sources.items():
        (package / f"{name}.py").write_text(source)
    known = {f"pkg.{n}" for n in sources}
    graph = {
        f"pkg.{n}": {
            m for m in _imports_of(package / f"{n}.py", f"pkg.{n}", known) if m.startswith("pkg.")
        }
        for n in sources
    }
    assert graph["pkg.e"] == {"pkg.d"}  # a relative import
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    del graph["pkg.c"]
    assert cycles(graph) == []


def _imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    # `imported` reads paths relative to nothing but the file itself; the package is the
    # module name's prefix.
    return imported(path, name, known)


def test_every_chalicelib_module_has_a_layer() -> None:
    modules = sorted(m for m in import_graph() if m.startswith("chalicelib."))
    missing = [m for m in modules if m.removeprefix("chalicelib.") not in LAYERS]
    assert not missing, (
        f"give {missing} a layer in LAYERS and in docs/ARCHITECTURE.md's modules table"
    )


def test_chalicelib_imports_only_its_own_layer_and_those_below() -> None:
    graph = import_graph()
    wrong = []
    for module, targets in sorted(graph.items()):
        if not module.startswith("chalicelib.") or module.removeprefix("chalicelib.") not in LAYERS:
            continue
        layer = LAYERS[module.removeprefix("chalicelib.")]
        for target in sorted(targets):
            if target == "app" or target.startswith("infra"):
                wrong.append(f"{module} imports {target}: chalicelib never imports the edges")
            elif target.startswith("chalicelib."):
                target_layer = LAYERS.get(target.removeprefix("chalicelib."), 0)
                if target_layer > layer:
                    wrong.append(
                        f"{module} ({LAYER_NAMES[layer]}) imports {target} "
                        f"({LAYER_NAMES[target_layer]})"
                    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", ["chalicelib.values", "chalicelib.settings"])
def test_values_and_settings_import_nothing_of_the_project(module: str) -> None:
    assert import_graph()[module] == set()


def test_only_the_edges_reach_the_composition_root() -> None:
    users = sorted(m for m, targets in import_graph().items() if "chalicelib.deployment" in targets)
    assert [m for m in users if m.startswith("chalicelib.")] == []
    assert "app" in users
