"""Project-wide settings that every stage reads: the base IRI and the folders.

The base IRI lives here and nowhere else. Files in ``ontology/``, ``data/``,
``shapes/`` and ``queries/`` use relative IRIs (``<id/org/leru>``,
``@prefix uuo: <def/>``) that the loader resolves against it, so moving the
graph to another persistent-IRI service is a one-line change (or the
``UUGRAPH_BASE_IRI`` environment variable) rather than a search-and-replace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uugraph.errors import InputError

DEFAULT_BASE_IRI = "https://w3id.org/uugraph/"


def base_iri() -> str:
    """Return the base IRI, from ``UUGRAPH_BASE_IRI`` when set.

    >>> base_iri() if "UUGRAPH_BASE_IRI" not in os.environ else DEFAULT_BASE_IRI
    'https://w3id.org/uugraph/'
    """
    value = os.environ.get("UUGRAPH_BASE_IRI", DEFAULT_BASE_IRI)
    if not value.endswith("/"):
        value += "/"
    return value


ROOT_ENV = "UUGRAPH_ROOT"

# Set by the CLI's --root for the duration of one command (see :func:`using_root`).
_root_override: Path | None = None


class ProjectNotFound(InputError):
    """No uugraph project around the working directory: the command has no files to work on."""


def is_project(folder: Path) -> bool:
    """Whether ``folder`` is a uugraph project: it holds ``pyproject.toml`` and that names ``[tool.uugraph]`` or sits beside ``ontology/``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> is_project(folder)
    False
    >>> _ = (folder / "pyproject.toml").write_text("[tool.uugraph]\\n", encoding="utf-8")
    >>> is_project(folder)
    True
    """
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    if (folder / "ontology").is_dir():
        return True
    return "uugraph" in _read_toml(pyproject).get("tool", {})


def project_root(start: Path | None = None) -> Path:
    """The project the command works on: ``--root``, else ``UUGRAPH_ROOT``, else the nearest project around ``start``.

    ``start`` defaults to the current directory, and the walk goes up from it
    to the filesystem root. It is never where the package is installed: with an
    editable install from one checkout, a command run in a second checkout (a
    branch, a fork, a CI workspace) must read the second one's files. Raises
    :class:`ProjectNotFound` (exit code 2) naming where it looked.
    """
    if start is None:
        explicit = _root_override
        if explicit is None and os.environ.get(ROOT_ENV):
            explicit = Path(os.environ[ROOT_ENV])
        if explicit is not None:
            explicit = explicit.expanduser().resolve()
            if not explicit.is_dir():
                raise ProjectNotFound(str(explicit), None, None, "project folder not found (from --root or UUGRAPH_ROOT)")
            return explicit
    here = (start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder
    raise ProjectNotFound(
        str(here),
        None,
        None,
        f"not inside a uugraph project: looked in {here} and each parent up to {here.anchor} for a pyproject.toml "
        "with [tool.uugraph] or beside an ontology/ folder; run the command in a project or give --root DIR",
    )


def find_project_root() -> Path | None:
    """:func:`project_root`, or None outside any project (for what works without one: ``--version``)."""
    try:
        return project_root()
    except ProjectNotFound:
        return None


@contextmanager
def using_root(root: Path | None) -> Iterator[None]:
    """Make ``root`` the project of every :func:`project_root` call inside the block (the CLI's ``--root``)."""
    global _root_override
    previous = _root_override
    _root_override = root.resolve() if root is not None else previous
    try:
        yield
    finally:
        _root_override = previous


def version(root: Path | None = None) -> str:
    """The project version: ``root``'s (default: the working project's) pyproject.toml, else the installed package's metadata.

    Reading pyproject.toml first is both the truth for a checkout and fast
    (importlib.metadata costs a noticeable part of a one-second validate).
    """
    project = _pyproject(root).get("project", {})
    if project.get("name") == "uugraph" and project.get("version"):
        return str(project["version"])
    from importlib import metadata

    try:
        return metadata.version("uugraph")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _pyproject(root: Path | None = None) -> dict[str, Any]:
    folder = root if root is not None else find_project_root()
    return _read_toml(folder / "pyproject.toml") if folder is not None else {}


def release_date(root: Path | None = None) -> str | None:
    """The release date of this version, from ``[tool.uugraph] release-date`` in ``root``'s (default: the working project's) pyproject.toml."""
    value = _pyproject(root).get("tool", {}).get("uugraph", {}).get("release-date")
    return str(value) if value is not None else None


@dataclass(frozen=True)
class Layout:
    """Where the pipeline reads its inputs: one folder per kind of file.

    ``root`` defaults to :func:`project_root` (the working directory's
    project); tests and benchmarks pass it explicitly.
    """

    root: Path = field(default_factory=project_root)
    data: Path | None = None

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.data if self.data is not None else self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
