"""Project-wide settings that every stage reads: the base IRI and the folders.

The base IRI lives here and nowhere else. Files in ``ontology/``, ``data/``,
``shapes/`` and ``queries/`` use relative IRIs (``<id/org/leru>``,
``@prefix uuo: <def/>``) that the loader resolves against it, so moving the
graph to another persistent-IRI service is a one-line change (or the
``UUGRAPH_BASE_IRI`` environment variable) rather than a search-and-replace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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


def version() -> str:
    """The project version: pyproject.toml of this checkout, else the installed package's metadata.

    Reading pyproject.toml first is both the truth for a checkout and fast
    (importlib.metadata costs a noticeable part of a one-second validate).
    """
    project = _pyproject().get("project", {})
    if project.get("name") == "uugraph" and project.get("version"):
        return str(project["version"])
    from importlib import metadata

    try:
        return metadata.version("uugraph")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _pyproject() -> dict:
    import tomllib

    try:
        with (project_root() / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def release_date() -> str | None:
    """The release date of this version, from ``[tool.uugraph] release-date`` in pyproject.toml."""
    return _pyproject().get("tool", {}).get("uugraph", {}).get("release-date")


def project_root() -> Path:
    """The checkout the package runs from: the folder holding ``pyproject.toml``.

    Falls back to the current directory, so an installed package used in
    another project's folder reads that folder's ``ontology/``, ``data/`` …
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "ontology").is_dir():
            return parent
    return Path.cwd()


@dataclass(frozen=True)
class Layout:
    """Where the pipeline reads its inputs: one folder per kind of file."""

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
