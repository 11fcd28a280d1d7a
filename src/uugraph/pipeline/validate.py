"""Stage 3, validate: check the shapes against SHACL-SHACL, then the graph against the shapes.

The shapes are validated first, so a typo in ``shapes/`` is reported as a bad
shapes file rather than silently checking nothing. Then the data, with the
derived links (reasoning runs before validation, so shapes may rely on
``org:memberOf`` and the schema.org mirrors), goes through a SHACL engine:
by default :mod:`uugraph.shacl.engine`, which evaluates the shapes on the loaded
store; pyshacl-turbo and pySHACL (the reference) on request. Each result names
the data file that states its focus node, so a curator knows which file to
open.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from uugraph.errors import InputError
from uugraph.pipeline.load import LoadedGraph
from uugraph.rdf.namespaces import SH
from uugraph.rdf.terms import to_rdflib

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

    from uugraph.progress import StepProgress


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL validation result, in terms a curator can act on."""

    severity: str  # "Violation", "Warning" or "Info"
    file: str  # the data file that states the focus node ("" when none does)
    focus: str
    path: str
    message: str
    shape: str

    def line(self) -> str:
        where = f"{self.file} " if self.file else ""
        path = f" {self.path}" if self.path else ""
        return f"[{self.severity}] {where}{self.focus}{path}: {self.message}"


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    triples: int
    report_ntriples: bytes = b""  # the engine's SHACL report graph, for the release bundle

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "triples": self.triples,
                "violations": len(self.violations),
                "warnings": len(self.warnings),
                "results": [asdict(r) for r in self.results],
            },
            indent=2,
            ensure_ascii=False,
        )


def _short(term: object, namespaces: dict[str, str]) -> str:
    text = str(term)
    for prefix, namespace in namespaces.items():
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>" if "://" in text else text


def _named_shapes(shapes_graph: rdflib.Graph) -> dict[Node, Node]:
    """Map each blank property (or nested) shape to the named node shape it belongs to.

    Results name their source shape, which for a property shape is a blank
    node; a curator needs the named shape (``MembershipShape``) instead.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    parent: dict[Node, Node] = {}
    for node_shape, link in ((s, o) for s, p, o in shapes_graph if p in (sh.property, sh.node, sh["not"])):
        parent.setdefault(link, node_shape)
    for s, p, o in shapes_graph:
        if p in (sh["or"], sh["and"], sh.xone):
            item: Node | None = o
            while item and item != rdflib.RDF.nil:
                first = shapes_graph.value(item, rdflib.RDF.first)
                if first is not None:
                    parent.setdefault(first, s)
                item = shapes_graph.value(item, rdflib.RDF.rest)

    def named(shape: Node) -> Node:
        seen: set[Node] = set()
        while isinstance(shape, rdflib.BNode) and shape in parent and shape not in seen:
            seen.add(shape)
            shape = parent[shape]
        return shape

    return {shape: named(shape) for shape in parent}


def _results(report_graph: rdflib.Graph, loaded: LoadedGraph, root: Path | None, shapes_graph: rdflib.Graph | None = None) -> list[Result]:
    import rdflib

    from uugraph.rdf.namespaces import prefixes

    namespaces = {k: v for k, v in prefixes().items() if k != "rdf"}
    sh = rdflib.Namespace(SH)
    owners = _named_shapes(shapes_graph) if shapes_graph is not None else {}
    loaded.files_of({str(f) for f in report_graph.objects(None, sh.focusNode) if isinstance(f, rdflib.URIRef)})
    results = []
    # Only the report's own results: nested ones (sh:detail, from sh:node) explain a result, they are not more.
    for node in report_graph.objects(None, sh.result):
        focus = report_graph.value(node, sh.focusNode)
        path = report_graph.value(node, sh.resultPath)
        severity = report_graph.value(node, sh.resultSeverity)
        messages = sorted(str(m) for m in report_graph.objects(node, sh.resultMessage))
        shape = report_graph.value(node, sh.sourceShape)
        shape = owners.get(shape, shape) if shape is not None else None
        file = loaded.file_of(str(focus)) if focus is not None else None
        if file is not None and root is not None:
            try:
                file = file.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        results.append(
            Result(
                severity=str(severity).removeprefix(SH) if severity is not None else "Violation",
                file=str(file) if file else "",
                focus=_short(focus, namespaces) if focus is not None else "",
                path=_short(path, namespaces) if isinstance(path, rdflib.URIRef) else ("" if path is None else "(complex path)"),
                message=messages[0] if messages else "(no message)",
                shape=_short(shape, namespaces) if isinstance(shape, rdflib.URIRef) else "",
            )
        )
    return sorted(set(results))


def check_shapes(loaded: LoadedGraph, engine: str = "store") -> None:
    """Validate the shapes graph against SHACL-SHACL; raise InputError naming the shapes file.

    SHACL-SHACL's shapes are recursive, which the store engine does not
    evaluate, and the shapes graph is small: it goes through pyshacl-turbo
    unless the reference engine was asked for.
    """
    shapes = to_rdflib(loaded, loaded.shapes_graphs)
    conforms, report_graph, _ = _run_shacl("pyshacl" if engine == "pyshacl" else "turbo", shapes, _shacl_shacl())
    if conforms:
        return
    import rdflib

    sh = rdflib.Namespace(SH)
    problems = []
    where_files = set()
    for node in report_graph.objects(None, sh.result):
        focus = report_graph.value(node, sh.focusNode)
        message = report_graph.value(node, sh.resultMessage)
        problems.append(f"{focus}: {message}")
        file = loaded.file_of(str(focus)) or _file_of_blank_shape(shapes, focus, loaded)
        if file is not None:
            where_files.add(str(file))
    files = loaded.files.get("shapes", [])
    where = ", ".join(sorted(where_files)) or (str(files[0].parent) if files else "shapes")
    raise InputError(where, None, None, "shapes do not conform to SHACL-SHACL: " + "; ".join(sorted(problems)[:5]))


def _file_of_blank_shape(shapes: rdflib.Graph, focus: Node | None, loaded: LoadedGraph) -> Path | None:
    """The file of the named shape a blank (property) shape hangs under."""
    owner = _named_shapes(shapes).get(focus) if focus is not None else None
    return loaded.file_of(str(owner)) if owner is not None else None


def _shacl_shacl() -> rdflib.Graph:
    """The W3C SHACL-SHACL shapes graph, as shipped with pySHACL (no network)."""
    import importlib.util

    import rdflib

    # Locate the file without importing pySHACL itself (its import costs more than the check).
    spec = importlib.util.find_spec("pyshacl")
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None
    if folder is None or not (folder / "assets" / "shacl-shacl.ttl").is_file():
        raise InputError("pyshacl", None, None, "SHACL-SHACL shapes not found in the installed pySHACL")
    graph = rdflib.Graph()
    graph.parse(folder / "assets" / "shacl-shacl.ttl", format="turtle")
    return graph


ENGINES = ("store", "turbo", "pyshacl")


Outcome = tuple[bool, "rdflib.Graph", str]  # pySHACL's (conforms, report graph, report text)


def _run_shacl(engine: str, data: rdflib.Graph | str, shapes: rdflib.Graph) -> Outcome:
    """One SHACL run with pyshacl-turbo or pySHACL; both return pySHACL's (conforms, report graph, text)."""
    options: dict[str, Any] = {"shacl_graph": shapes, "advanced": True, "allow_warnings": True}
    if engine == "turbo":
        import pyshacl_turbo

        if isinstance(data, str):
            # N-Triples straight from the store, parsed natively: no rdflib graph of the data is built.
            return cast(Outcome, pyshacl_turbo.validate(pyshacl_turbo.Input(data, "oxigraph-nquads", None, {}, preserve_ids=True), **options))
        return cast(Outcome, pyshacl_turbo.validate(data, **options))
    if engine == "pyshacl":
        import rdflib
        from pyshacl import validate as shacl_validate

        if isinstance(data, str):
            data = rdflib.Graph().parse(data=data, format="nt")
        return cast(Outcome, shacl_validate(data, inference="none", **options))
    raise InputError("--engine", None, None, f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}")


def validate_graph(loaded: LoadedGraph, root: Path | None = None, engine: str = "store", step: StepProgress | None = None) -> Report:
    """Run the shapes over ontology + data + derived triples.

    ``store`` (the default) evaluates the shapes on the loaded store itself
    (:mod:`uugraph.shacl.engine`): no second copy of the graph is built, which at a
    million triples is most of the cost of the other engines. ``turbo``
    (pyshacl-turbo, a Rust engine with pySHACL's API) and ``pyshacl`` (the
    reference) take the graph as N-Triples. A test proves all three report the
    same results on the real data, every invalid example and a synthetic graph
    with injected violations.
    """
    shapes = to_rdflib(loaded, loaded.shapes_graphs)
    if engine == "store":
        from uugraph.shacl import engine as shacl

        try:
            raw = shacl.validate(loaded.store, loaded.published_graphs, shapes, step)
        except shacl.UnsupportedShape as exc:
            where = loaded.file_of(str(exc.shape)) or _file_of_blank_shape(shapes, exc.shape, loaded)
            files = loaded.files.get("shapes", [])
            fallback = str(files[0].parent) if files else "shapes"
            from uugraph.rdf.namespaces import prefixes

            shape = _short(exc.shape, {k: v for k, v in prefixes().items() if k != "rdf"}) if exc.shape is not None else "a shape"
            raise InputError(str(where) if where else fallback, None, None, f"{shape} {exc}") from exc
        report_graph = shacl.report_graph(raw, shapes)
        triples = loaded.published_triple_count()
    else:
        data = loaded.ntriples(loaded.published_graphs).decode("utf-8")
        _, report_graph, _ = _run_shacl(engine, data, shapes)
        triples = data.count("\n")
    results = _results(report_graph, loaded, root, shapes)
    report_nt = report_graph.serialize(format="nt", encoding="utf-8")
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, triples=triples, report_ntriples=report_nt)


def format_results(results: Iterable[Result]) -> str:
    return "\n".join(r.line() for r in results)
