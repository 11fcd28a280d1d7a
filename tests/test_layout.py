"""The layout is the architecture: dependencies run one way, and no module reaches into another's private names.

Layers, lowest first. A module may import from its own layer and the ones
below it, never from one above: the RDF foundation knows nothing of the
pipeline, the pipeline nothing of the server, and only the command line sits
on top of everything. Imports inside functions count too (they are the
usual way a dependency sneaks "up").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# (layer, module prefixes); a module belongs to the first layer whose prefix matches.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("uugraph.config", "uugraph.errors", "uugraph.iris", "uugraph.progress")),
    ("rdf", ("uugraph.rdf",)),
    ("shacl", ("uugraph.shacl",)),
    ("pipeline", ("uugraph.pipeline",)),
    ("outputs", ("uugraph.outputs",)),
    ("build", ("uugraph.build",)),
    ("remote", ("uugraph.remote",)),
    ("web", ("uugraph.web",)),
    ("curation", ("uugraph.curation",)),
    ("cli", ("uugraph.cli", "uugraph.__main__", "uugraph")),
]
# Side by side, not one on the other: the server and the remote client never import each other.
SIBLINGS = {frozenset({"remote", "web"})}


def _layer(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {__file__}")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted((SRC / "uugraph").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def _imports(path: Path, module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of uugraph in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names if alias.name.split(".")[0] == "uugraph"]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([target] if target else []))
            if target.split(".")[0] == "uugraph":
                out.append((target, [alias.name for alias in node.names], node.lineno))
    return out


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_run_one_way(module: str, path: Path) -> None:
    own = _layer(module)
    for target, names, line in _imports(path, module):
        # "from uugraph.outputs import site" imports the module uugraph.outputs.site
        targets = [f"{target}.{n}" if (SRC / Path(*f"{target}.{n}".split("."))).with_suffix(".py").exists() or (SRC / Path(*f"{target}.{n}".split("."))).is_dir() else target for n in names] or [
            target
        ]
        for imported in targets:
            rank = _layer(imported)
            pair = frozenset({LAYERS[own][0], LAYERS[rank][0]})
            assert rank <= own and (pair not in SIBLINGS or own == rank), (
                f"{path.relative_to(SRC.parent)}:{line}: {module} ({LAYERS[own][0]}) imports {imported} ({LAYERS[rank][0]}), a layer above it or beside it"
            )


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_no_module_imports_another_modules_private_names(module: str, path: Path) -> None:
    for target, names, line in _imports(path, module):
        if target == module:
            continue
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{path.relative_to(SRC.parent)}:{line}: {module} imports private {', '.join(private)} from {target}"
