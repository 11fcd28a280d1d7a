"""Stage 3, validate: check the shapes against SHACL-SHACL, then the graph against the shapes.

The shapes are validated first, so a typo in ``shapes/`` is reported as a bad
shapes file rather than silently checking nothing. Then the data, with the
derived links (reasoning runs before validation, so shapes may rely on
``org:memberOf`` and the schema.org mirrors), goes through a SHACL engine:
by default :mod:`uugraph.shacl.engine`, which evaluates the shapes on the loaded
store; pyshacl-turbo and pySHACL (the reference) on request.

Each result names the file, line and column a curator has to open: the triple
(focus node, path, value) when the files state it (the path's first step for a
longer path), else the line where the focus node's description starts in the
first file that describes it (:mod:`uugraph.pipeline.locate` reads the
positions from the text, for just the subjects the report names). A derived
triple points to the asserted one it was derived from, and a generated file's
``# row N of FILE`` comment says which CSV row the line came from. The report
is written as text, JSON, GitHub workflow commands, JUnit XML or SARIF 2.1.0,
the formats CI systems show on the changed line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.pipeline import locate
from uugraph.pipeline.load import GRAPH_INFERRED, LoadedGraph, RememberedPasses
from uugraph.rdf.namespaces import SH, XSD_STRING
from uugraph.rdf.terms import to_rdflib

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

    from uugraph.progress import StepProgress


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL validation result, in terms a curator can act on."""

    severity: str  # "Violation", "Warning" or "Info"
    file: str  # the file of the triple the result is about, else the one describing the focus node ("" when none does)
    focus: str
    path: str
    message: str
    shape: str
    lineno: int = 0  # 1-based line in ``file`` (0: not located)
    column: int = 0  # 1-based column (0: not located)
    note: str = ""  # "derived by reasoning …", "row N of members.csv"

    def where(self) -> str:
        """``file:line:column`` (as much of it as is known)."""
        if not self.file:
            return ""
        if not self.lineno:
            return self.file
        return f"{self.file}:{self.lineno}:{self.column}" if self.column else f"{self.file}:{self.lineno}"

    def line(self) -> str:
        where = f"{self.where()} " if self.file else ""
        path = f" {self.path}" if self.path else ""
        note = f" ({self.note})" if self.note else ""
        return f"[{self.severity}] {where}{self.focus}{path}: {self.message}{note}"

    def as_dict(self) -> dict[str, object]:
        """The JSON form: file, line and column first, then what the result says."""
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.lineno or None,
            "column": self.column or None,
            "focus": self.focus,
            "path": self.path,
            "message": self.message,
            "shape": self.shape,
            "note": self.note,
        }


@dataclass(frozen=True)
class ShapeInfo:
    """A named shape as a rule of a report: its IRI and what its messages say."""

    iri: str
    description: str
    messages: tuple[str, ...]


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    triples: int
    report_ntriples: bytes = b""  # the engine's SHACL report graph, for the release bundle
    shapes: dict[str, ShapeInfo] = field(default_factory=dict)  # the named shapes, by their short name

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
                "results": [r.as_dict() for r in self.results],
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


Step = tuple[str, bool, bool]  # a path's first step: (predicate IRI, inverse, whether it is the whole path)


def _first_step(graph: rdflib.Graph, path: Node | None) -> Step | None:
    """The first step from the focus node of a SHACL path in ``graph`` (None when it has none)."""
    import rdflib

    sh = rdflib.Namespace(SH)
    if isinstance(path, rdflib.URIRef):
        return (str(path), False, True)
    if not isinstance(path, rdflib.BNode):
        return None
    inverse = graph.value(path, sh.inversePath)
    if inverse is not None:
        step = _first_step(graph, inverse)
        return (step[0], not step[1], step[2]) if step else None
    first = graph.value(path, rdflib.RDF.first)
    if first is not None:
        step = _first_step(graph, first)
        return (step[0], step[1], step[2] and graph.value(path, rdflib.RDF.rest) == rdflib.RDF.nil) if step else None
    for key in ("alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
        inner = graph.value(path, sh[key])
        if inner is not None:
            if key == "alternativePath":
                inner = graph.value(inner, rdflib.RDF.first)
            step = _first_step(graph, inner)
            return (step[0], step[1], False) if step else None
    return None


def _term(node: Node) -> locate.Term | None:
    """A report term as the position reader writes terms (None for a blank node: no label to match)."""
    import rdflib

    if isinstance(node, rdflib.URIRef):
        return ("I", str(node))
    if isinstance(node, rdflib.Literal):
        datatype = str(node.datatype) if node.datatype is not None and str(node.datatype) != XSD_STRING else ""
        return ("L", str(node), "" if node.language else datatype, (node.language or "").lower())
    return None


def _ox(node: Node) -> ox.NamedNode | ox.Literal | None:
    import rdflib

    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype))) if node.datatype is not None else ox.Literal(str(node))
    return None


def _derived(loaded: LoadedGraph, focus: Node, step: Step, value: Node) -> bool:
    """Whether the triple of a one-step path was derived by reasoning and not asserted."""
    subject, obj = (value, focus) if step[1] else (focus, value)
    s, o = _ox(subject), _ox(obj)
    if not isinstance(s, ox.NamedNode) or o is None:
        return False
    p = ox.NamedNode(step[0])
    if any(True for _ in loaded.store.quads_for_pattern(s, p, o, GRAPH_INFERRED)):
        return not any(True for graph in loaded.asserted_graphs for _ in loaded.store.quads_for_pattern(s, p, o, graph))
    return False


@dataclass(frozen=True)
class _Found:
    """Where a result points: a position, and what a curator should know about it."""

    position: locate.Position | None
    note: str = ""


def _locate(index: locate.Index, focus: Node, step: Step | None, value: Node | None, derived: bool) -> _Found:
    """The position of the triple a result is about, else of the focus node's description."""
    import rdflib

    if not isinstance(focus, rdflib.URIRef):
        return _Found(None)
    subject = str(focus)
    start = index.starts.get(subject)
    if step is None or value == focus:
        return _Found(start)
    predicate, inverse, single = step
    if value is None:
        # No value (sh:maxCount, sh:uniqueLang, a missing property): the first triple of the path, else the description.
        first = next((position for p, _, position in index.triples.get(subject, []) if p == predicate and not inverse), None)
        return _Found(first or start)
    wanted = _term(value)
    if inverse:
        if isinstance(value, rdflib.URIRef):
            for p, o, position in index.triples.get(str(value), []):
                if p == predicate and o == ("I", subject):
                    return _Found(position)
        return _Found(start)
    candidates = [(o, position) for p, o, position in index.triples.get(subject, []) if p == predicate]
    if single:
        exact = [position for o, position in candidates if o == wanted]
        if not exact and wanted is None:
            exact = [position for o, position in candidates if o[0] == "B"]
        if not exact and wanted is not None and wanted[0] == "L":
            exact = [position for o, position in candidates if o[0] == "L" and o[1] == wanted[1]]
        if exact:
            return _Found(exact[0])
    elif candidates:
        return _Found(candidates[0][1])
    if derived:
        # The asserted triples it came from link the same two nodes (an inverse, a sub-property, a chain's end).
        sources = [position for _, o, position in index.triples.get(subject, []) if o == wanted]
        if isinstance(value, rdflib.URIRef):
            sources += [position for _, o, position in index.triples.get(str(value), []) if o == ("I", subject)]
        if sources:
            return _Found(sources[0], "derived by reasoning from the triple at this line")
        return _Found(start, "derived by reasoning")
    return _Found(start)


def _results(report_graph: rdflib.Graph, loaded: LoadedGraph, root: Path | None, shapes_graph: rdflib.Graph | None = None, owners: dict[Node, Node] | None = None) -> list[Result]:
    import rdflib

    from uugraph.rdf.namespaces import prefixes

    namespaces = {k: v for k, v in prefixes().items() if k != "rdf"}
    sh = rdflib.Namespace(SH)
    if owners is None:
        owners = _named_shapes(shapes_graph) if shapes_graph is not None else {}
    # Only the report's own results: nested ones (sh:detail, from sh:node) explain a result, they are not more.
    nodes = list(report_graph.objects(None, sh.result))
    found: list[tuple[Node, Node | None, Step | None, Node | None, bool]] = []
    subjects: set[str] = set()
    for node in nodes:
        focus = report_graph.value(node, sh.focusNode)
        path = report_graph.value(node, sh.resultPath)
        value = report_graph.value(node, sh.value)
        step = _first_step(report_graph, path)
        derived = bool(focus is not None and step and step[2] and value is not None and _derived(loaded, focus, step, value))
        found.append((node, focus, step, value, derived))
        if isinstance(focus, rdflib.URIRef):
            subjects.add(str(focus))
        if isinstance(value, rdflib.URIRef) and step is not None and (step[1] or derived):
            subjects.add(str(value))
    files = [f for layer in ("data", "ontology", "shapes") for f in loaded.files.get(layer, [])]
    needs: dict[str, list[tuple[Step, locate.Term | None]]] = {}
    for _, focus, step, value, derived in found:
        if isinstance(focus, rdflib.URIRef) and step is not None and step[2] and not step[1] and value is not None and not derived:
            needs.setdefault(str(focus), []).append((step, _term(value)))

    def complete(subject: str, index: locate.Index) -> bool:
        """Found: the description, and each value triple a result is about (others may be in a later file)."""
        if subject not in index.starts:
            return False
        stated = {(p, o) for p, o, _ in index.triples.get(subject, [])}
        return all(term is None or (step[0], term) in stated for step, term in needs.get(subject, []))

    index = locate.index_subjects(files, subjects, base_iri(), complete=complete)
    results = []
    for node, focus, step, value, derived in found:
        path = report_graph.value(node, sh.resultPath)
        severity = report_graph.value(node, sh.resultSeverity)
        messages = sorted(str(m) for m in report_graph.objects(node, sh.resultMessage))
        shape = report_graph.value(node, sh.sourceShape)
        shape = owners.get(shape, shape) if shape is not None else None
        where = _locate(index, focus, step, value, derived) if focus is not None else _Found(None)
        file: Path | None = where.position.file if where.position is not None else None
        if file is None and isinstance(focus, rdflib.URIRef):
            # Spelled in a way the position reader does not search for (a %-encoded or \u-escaped IRI): the file at least.
            file = loaded.file_of(str(focus))
        if file is not None and root is not None:
            try:
                file = file.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        notes = [n for n in (where.note, where.position.row if where.position is not None else "") if n]
        results.append(
            Result(
                severity=str(severity).removeprefix(SH) if severity is not None else "Violation",
                file=str(file) if file else "",
                focus=_short(focus, namespaces) if focus is not None else "",
                path=_short(path, namespaces) if isinstance(path, rdflib.URIRef) else ("" if path is None else "(complex path)"),
                message=messages[0] if messages else "(no message)",
                shape=_short(shape, namespaces) if isinstance(shape, rdflib.URIRef) else "",
                lineno=where.position.line if where.position is not None else 0,
                column=where.position.column if where.position is not None else 0,
                note="; ".join(notes),
            )
        )
    return sorted(set(results))


def _shape_infos(shapes_graph: rdflib.Graph, owners: dict[Node, Node] | None = None) -> dict[str, ShapeInfo]:
    """The named shapes, each with its rdfs:comment and the sh:messages of it and its parts (for SARIF rules)."""
    import rdflib

    from uugraph.rdf.namespaces import prefixes

    namespaces = {k: v for k, v in prefixes().items() if k != "rdf"}
    sh = rdflib.Namespace(SH)
    owners = _named_shapes(shapes_graph) if owners is None else owners
    messages: dict[Node, set[str]] = {}
    for shape, message in shapes_graph.subject_objects(sh.message):
        messages.setdefault(owners.get(shape, shape), set()).add(str(message))
    named = {s for kind in (sh.NodeShape, sh.PropertyShape) for s in shapes_graph.subjects(rdflib.RDF.type, kind) if isinstance(s, rdflib.URIRef)}
    infos = {}
    for shape in sorted(named):
        comment = shapes_graph.value(shape, rdflib.RDFS.comment)
        own = tuple(sorted(messages.get(shape, set())))
        infos[_short(shape, namespaces)] = ShapeInfo(str(shape), str(comment) if comment is not None else (own[0] if own else ""), own)
    return infos


#: Shapes graphs that passed SHACL-SHACL (the key includes this module's source and both engines' versions).
_checked_shapes = RememberedPasses("checked-shapes", code=(__name__,), versions=("pyshacl", "pyshacl-turbo"))


def check_shapes(loaded: LoadedGraph, engine: str = "store") -> None:
    """Validate the shapes graph against SHACL-SHACL; raise InputError naming the shapes file.

    SHACL-SHACL's shapes are recursive, which the store engine does not
    evaluate, and the shapes graph is small: it goes through pyshacl-turbo
    unless the reference engine was asked for. A shapes graph that passed is
    remembered (:data:`_checked_shapes`), keyed by the texts of its files, so an
    unchanged ``shapes/`` is not checked again.
    """
    checker = "pyshacl" if engine == "pyshacl" else "turbo"
    # Keyed by the files' texts: N-Triples of the graph would name its blank nodes anew on each load.
    text = "\0".join(f"{path.name}\0{path.read_text(encoding='utf-8')}" for path in loaded.files.get("shapes", []))
    if _checked_shapes.recall(text, checker) is not None:
        return
    shapes = to_rdflib(loaded, loaded.shapes_graphs)
    conforms, report_graph, _ = _run_shacl(checker, shapes, _shacl_shacl())
    if conforms:
        _checked_shapes.remember(text, checker, "conforms")
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
    owners = _named_shapes(shapes)
    results = _results(report_graph, loaded, root, shapes, owners)
    report_nt = report_graph.serialize(format="nt", encoding="utf-8")
    return Report(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        triples=triples,
        report_ntriples=report_nt,
        shapes=_shape_infos(shapes, owners),
    )


def format_results(results: Iterable[Result]) -> str:
    return "\n".join(r.line() for r in results)


# ---------------------------------------------------------------- report formats CI systems read

FORMATS = ("text", "json", "github", "junit", "sarif")

_GITHUB_COMMANDS = {"Violation": "error", "Warning": "warning", "Info": "notice"}
_SARIF_LEVELS = {"Violation": "error", "Warning": "warning", "Info": "note"}


def shape_name(shape: str) -> str:
    """A shape's name for a title or a test case: the local name of its IRI (``IdentifierShape``)."""
    text = shape.strip("<>")
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1] or text if text else "(unnamed shape)"


def _github_escape(text: str, property_value: bool = False) -> str:
    """Escape a workflow command's message (or, with ``property_value``, one of its key=value properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def to_github(report: Report) -> str:
    """One GitHub Actions workflow command per result: ``::error`` violations, ``::warning`` warnings, ``::notice`` infos.

    GitHub shows each on the line it names, in the run's summary and in the
    pull request's diff.
    """
    lines = []
    for r in report.results:
        properties = []
        if r.file:
            properties.append(f"file={_github_escape(r.file, True)}")
            if r.lineno:
                properties.append(f"line={r.lineno}")
            if r.column:
                properties.append(f"col={r.column}")
        properties.append(f"title={_github_escape(shape_name(r.shape), True)}")
        path = f" {r.path}" if r.path else ""
        note = f" ({r.note})" if r.note else ""
        message = _github_escape(f"{r.focus}{path}: {r.message}{note}")
        lines.append(f"::{_GITHUB_COMMANDS.get(r.severity, 'error')} {','.join(properties)}::{message}")
    return "\n".join(lines)


def to_junit(report: Report) -> str:
    """JUnit XML: one test case per named shape, a ``<failure>`` per violation naming its file:line.

    GitLab, Jenkins and most CI dashboards read it as a test report; warnings
    and infos go to the test case's ``<system-out>``, so they are shown without
    failing it.
    """
    from xml.etree import ElementTree as ET

    by_shape: dict[str, list[Result]] = {name: [] for name in report.shapes}
    for r in report.results:
        by_shape.setdefault(r.shape, []).append(r)
    failures = len(report.violations)
    suites = ET.Element("testsuites", name="uugraph validate", tests=str(len(by_shape)), failures=str(failures), errors="0")
    failed_cases = sum(1 for results in by_shape.values() if any(r.severity == "Violation" for r in results))
    suite = ET.SubElement(suites, "testsuite", name="shapes", tests=str(len(by_shape)), failures=str(failed_cases), errors="0", skipped="0")
    for name in sorted(by_shape, key=shape_name):
        results = by_shape[name]
        violations = [r for r in results if r.severity == "Violation"]
        case = ET.SubElement(suite, "testcase", classname="uugraph.shapes", name=shape_name(name))
        if violations and violations[0].file:
            case.set("file", violations[0].file)
            if violations[0].lineno:
                case.set("line", str(violations[0].lineno))
        for r in violations:
            failure = ET.SubElement(case, "failure", message=f"{r.where() or '(no file)'}: {r.message}", type=r.severity)
            if r.file:
                failure.set("file", r.file)
                if r.lineno:
                    failure.set("line", str(r.lineno))
            failure.text = r.line()
        others = [r for r in results if r.severity != "Violation"]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(r.line() for r in others)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_sarif(report: Report, tool_version: str = "", shapes_uri: str = "shapes/") -> str:
    """SARIF 2.1.0: a rule per named shape (its description, messages and IRI), a result per finding.

    Code scanning (GitHub's upload-sarif, and other SARIF viewers) shows each
    result on its file and line. A rule's ``helpUri`` is the shape's IRI, which
    the published graph resolves; the shapes folder is named beside it.
    """
    rules: list[dict[str, object]] = []
    rule_index: dict[str, int] = {}
    used = {r.shape or "(unnamed shape)" for r in report.results}
    names = sorted(set(report.shapes) | used)
    for name in names:
        info = report.shapes.get(name)
        first = next((r.message for r in report.results if (r.shape or "(unnamed shape)") == name), "")
        description = (info.description if info else "") or first or name
        rule: dict[str, object] = {
            "id": name,
            "name": shape_name(name),
            "shortDescription": {"text": description},
            "fullDescription": {"text": " ".join(info.messages) if info and info.messages else description},
            "help": {"text": f"Shape {info.iri if info else name}, in {shapes_uri}"},
        }
        if info and "://" in info.iri:
            rule["helpUri"] = info.iri
        rule_index[name] = len(rules)
        rules.append(rule)
    results: list[dict[str, object]] = []
    for r in report.results:
        name = r.shape or "(unnamed shape)"
        text = f"{r.focus}{' ' + r.path if r.path else ''}: {r.message}{' (' + r.note + ')' if r.note else ''}"
        result: dict[str, object] = {"ruleId": name, "ruleIndex": rule_index[name], "level": _SARIF_LEVELS.get(r.severity, "error"), "message": {"text": text}}
        if r.file:
            region: dict[str, int] = {}
            if r.lineno:
                region["startLine"] = r.lineno
                if r.column:
                    region["startColumn"] = r.column
            physical: dict[str, object] = {"artifactLocation": {"uri": Path(r.file).as_posix(), "uriBaseId": "SRCROOT"}}
            if region:
                physical["region"] = region
            result["locations"] = [{"physicalLocation": physical}]
        results.append(result)
    driver: dict[str, object] = {"name": "uugraph", "rules": rules}
    if tool_version:
        driver["version"] = tool_version
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def render(report: Report, fmt: str, tool_version: str = "") -> str:
    """The report in one of :data:`FORMATS` (text is the result lines only; the summary goes to stderr)."""
    if fmt == "json":
        return report.to_json()
    if fmt == "github":
        return to_github(report)
    if fmt == "junit":
        return to_junit(report)
    if fmt == "sarif":
        return to_sarif(report, tool_version)
    if fmt == "text":
        return format_results(report.results)
    raise InputError("--format", None, None, f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
