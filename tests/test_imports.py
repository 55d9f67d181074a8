"""The layers, read from the source: who may import whom, and no import circles.

    ui/  ──▶ streamer/ ──▶ models/        (launch.py and the CLI sit above all three)

`streamer/` and `models/` never import `ui/` or the command line; `models/`
never imports `streamer/`; no module reaches itself through its imports (those
made inside functions count too: a lazy import is still a dependency), except
the imports under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("streamer", "models", "ui", "cli")
MAX_LINES = 400  # docs/architecture.md: files under ~400 lines


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for pkg in PACKAGES
        if (ROOT / pkg).is_dir()
        for p in sorted((ROOT / pkg).rglob("*.py"))
    }


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(path: Path, known: set[str], type_only: bool = True) -> set[str]:
    """The project modules `path` imports (the longest known prefix of each name).

    `type_only=False` leaves out the imports under `if TYPE_CHECKING:`.
    """
    tree = ast.parse(path.read_text(), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    me = module_name(path)
    out: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if not type_only and _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative import
                pkg = me.split(".")[: len(me.split(".")) - node.level + (path.stem == "__init__")]
                base = ".".join([*pkg, base] if base else pkg)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            parts = name.split(".")
            for i in range(len(parts), 0, -1):
                candidate = ".".join(parts[:i])
                if candidate in known and candidate != me:
                    out.add(candidate)
                    break
    return out


MODULES = modules()
GRAPH = {name: imports(path, set(MODULES)) for name, path in MODULES.items()}
PATHS = list(modules().values())


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize(
    "layer, forbidden",
    [("streamer", {"ui", "cli"}), ("models", {"ui", "cli", "streamer"})],
)
def test_lower_layers_do_not_import_higher_ones(layer, forbidden):
    wrong = sorted(
        f"{m} imports {d}"
        for m, deps in GRAPH.items()
        if top(m) == layer
        for d in deps
        if top(d) in forbidden
    )
    assert not wrong, wrong


def circles(graph: dict[str, set[str]]) -> list[str]:
    """Every import circle found by a depth-first walk, as "a -> b -> a"."""
    found = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                found.append(" -> ".join([*path[path.index(d) :], d]))
            elif d not in state:
                visit(d)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_no_import_circles():
    assert not circles(GRAPH), circles(GRAPH)


def test_the_checker_reads_imports_and_finds_circles(tmp_path):
    assert "streamer.session" in GRAPH["ui.controller"]  # module-level imports
    assert "models.llm" in GRAPH["streamer.reasoning.llm"]
    assert "streamer.reasoning.extractive" in GRAPH["streamer.reasoning.registry"]  # lazy ones
    official = MODULES["streamer.eval.official"]  # its types are imported for the checker only
    assert "streamer.eval.types" in GRAPH["streamer.eval.official"]  # type-only ones count
    assert "streamer.eval.types" not in imports(official, set(MODULES), type_only=False)
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a -> b -> c -> a"]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_files_stay_short():
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PATHS}
    long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not long, long
