"""Stage 1, load: read every file of ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.

Parsing is strict and offline. Turtle goes through Oxigraph's parser, which
rejects what lenient parsers let through (an IRI with a space, an undefined
prefix) and reports the line and column; relative IRIs resolve against the
configured base IRI. Nothing is ever fetched: there is no remote ``@context``
in Turtle and ``owl:imports`` is not followed. A file that is not UTF-8 is
reported with the line of its first bad byte. Any error is an
:class:`~uugraph.errors.InputError` naming file, line and column.

The loaded graph keeps each layer (ontology, data, shapes) in its own named
graph of one Oxigraph store; reasoning adds one graph of derived triples. A
layer is one graph, not one graph per file, because SPARQL over a list of
graphs counts a triple stated in two files twice. Which file states a subject
is found when a report needs it, by reading the files again for just those
subjects, so the loader keeps no Python map of a million subjects.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from uugraph.config import Layout, base_iri, release_date, version
from uugraph.errors import InputError
from uugraph.rdf.namespaces import DCTERMS, OWL, RDF_LANGSTRING, VANN, XSD, XSD_STRING, uuo
from uugraph.rdf.sparql_text import MAX_NESTING, QueryRefused, check_parsed, find_service, nesting, nesting_depth, service_position  # noqa: F401  (find_service is part of this module's API)
from uugraph.rdf.terms import GraphName, TooManyLookAlikes, check_canonicalization_budget

if TYPE_CHECKING:
    from uugraph.progress import StepProgress

GRAPH_INFERRED = ox.NamedNode("urn:uugraph:graph:inferred")
LAYERS = ("ontology", "data", "shapes")
LAYER_GRAPHS = {layer: ox.NamedNode(f"urn:uugraph:graph:{layer}") for layer in LAYERS}


_POSITION = re.compile(r"at line (\d+) between columns (\d+) and \d+: (.*?)(?: \([^()]*, line \d+\))?$", re.S)


@dataclass
class LoadedGraph:
    """The parsed sources: one store, one named graph per layer, and the files of each layer."""

    store: ox.Store
    files: dict[str, list[Path]] = field(default_factory=lambda: {layer: [] for layer in LAYERS})
    queries: dict[str, QueryFile] = field(default_factory=dict)
    #: The key of the inputs in the reasoned-store cache (:mod:`uugraph.pipeline.cache`), when it is on.
    cache_key: str | None = None
    #: False for a graph recalled without its data and derived links (only the ontology and the shapes:
    #: :func:`uugraph.pipeline.cache.recall_outline`), which refuses to give what it does not hold.
    holds_data: bool = True
    _file_index: dict[str, Path] = field(default_factory=dict, repr=False)

    @property
    def ontology_graphs(self) -> list[ox.NamedNode]:
        return [LAYER_GRAPHS["ontology"]]

    @property
    def data_graphs(self) -> list[ox.NamedNode]:
        return [LAYER_GRAPHS["data"]]

    @property
    def shapes_graphs(self) -> list[ox.NamedNode]:
        return [LAYER_GRAPHS["shapes"]]

    @property
    def asserted_graphs(self) -> list[ox.NamedNode]:
        """Ontology and data: what the curators wrote."""
        return self.ontology_graphs + self.data_graphs

    @property
    def published_graphs(self) -> list[ox.NamedNode]:
        """Ontology, data and the derived links: the graph that is validated, published and queried."""
        return self.asserted_graphs + [GRAPH_INFERRED]

    @property
    def default_graph(self) -> list[GraphName]:
        """The published graphs as a query's default graph: what ``Store.query(default_graph=…)`` takes."""
        return list(self.held(self.published_graphs))

    def files_of(self, subjects: Iterable[str]) -> dict[str, Path]:
        """The file that states each subject (data first, then ontology, then shapes).

        Reads the files again, once, for just the subjects asked about: reports
        name few subjects, and a million-subject map would cost more than this.
        """
        wanted = {s for s in subjects if s and s not in self._file_index}
        for layer in ("data", "ontology", "shapes"):
            if not wanted:
                break
            for path in self.files.get(layer, []):
                if not wanted:
                    break
                for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri()):
                    subject = quad.subject
                    if isinstance(subject, ox.NamedNode) and subject.value in wanted:
                        self._file_index[subject.value] = path
                        wanted.discard(subject.value)
        return {s: self._file_index[s] for s in subjects if s in self._file_index}

    def file_of(self, subject: str) -> Path | None:
        return self.files_of([subject]).get(subject)

    def held(self, graphs: Iterable[ox.NamedNode]) -> list[ox.NamedNode]:
        """``graphs``, once it is sure this store holds them: an outline without the data raises, never answers empty."""
        graphs = list(graphs)
        if not self.holds_data and any(g not in self.ontology_graphs + self.shapes_graphs for g in graphs):
            raise RuntimeError("this graph was recalled without its data: only the ontology and the shapes can be read from it")
        return graphs

    def quads(self, graphs: Iterable[ox.NamedNode]) -> Iterator[ox.Quad]:
        for graph in self.held(graphs):
            yield from self.store.quads_for_pattern(None, None, None, graph)

    def published_triple_count(self) -> int:
        """Triples of the published graphs, counted per graph (as their N-Triples dump has lines)."""
        total = 0
        for graph in self.held(self.published_graphs):
            result = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
            assert isinstance(result, ox.QuerySolutions)
            for row in result:
                total += int(row["n"].value)
        return total

    def ntriples(self, graphs: Iterable[ox.NamedNode]) -> bytes:
        """The given graphs as one N-Triples document, serialised by the store (fast, no Python objects)."""
        return b"".join(self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in self.held(graphs))


@dataclass(frozen=True)
class QueryFile:
    """A SPARQL query file with its ``#+`` header (grlc style)."""

    name: str
    path: Path
    text: str
    summary: str
    description: str
    tags: tuple[str, ...]


def _turtle_files(folder: Path, what: str) -> list[Path]:
    if not folder.exists():
        raise InputError(str(folder), None, None, f"{what} folder is missing")
    if not folder.is_dir():
        raise InputError(str(folder), None, None, f"{what} path is not a folder")
    files = sorted(p for p in folder.rglob("*.ttl") if p.is_file())
    inside = folder.resolve()
    for path in files:
        # A symbolic link may point anywhere; only files that are really inside the folder are read.
        if not path.resolve().is_relative_to(inside):
            raise InputError(str(path), None, None, f"links to {path.resolve()}, outside the {what} folder: copy the file in instead")
    if not files:
        raise InputError(str(folder), None, None, f"{what} folder has no .ttl files")
    return files


def read_text(path: Path) -> str:
    """Read a file as UTF-8, or raise an InputError naming the line of the first bad byte."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(str(path), line, column, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded") from exc
    if text.startswith("\ufeff"):
        # Named, not shown: the character itself is invisible in a terminal.
        raise InputError(str(path), 1, 1, "the file starts with a byte-order mark U+FEFF: save it as UTF-8 without one")
    return text


def parse_turtle(path: Path, text: str | None = None) -> list[ox.Triple]:
    """Parse one Turtle file strictly, resolving relative IRIs against the base IRI.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.ttl"
    >>> _ = p.write_text('@prefix ex: <http://example.org/> .\\nex:a ex:b nope:c .\\n')
    >>> try:
    ...     parse_turtle(p)
    ... except InputError as e:
    ...     print(e.line, e.column, e.cause)
    2 11 The prefix nope: has not been declared
    """
    if text is None:
        text = read_text(path)
    try:
        return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=base_iri())]
    except SyntaxError as exc:
        raise syntax_error(path, exc) from exc
    except MemoryError as exc:
        # Oxigraph's parser holds one token (a literal, an IRI) in a buffer of at most 16 MiB.
        line = next((n for n, text_line in enumerate(text.splitlines(), start=1) if len(text_line) > (1 << 20)), None)
        raise InputError(str(path), line, None, f"a literal or IRI too long to parse ({exc}); keep large texts out of the graph") from None


def syntax_error(path: Path, exc: SyntaxError) -> InputError:
    """An Oxigraph parse error as an InputError naming the file, line and column (every reader of RDF files uses it)."""
    message = str(exc.msg if exc.msg else exc)
    match = _POSITION.search(message)
    if match:
        return InputError(str(path), int(match.group(1)), int(match.group(2)), match.group(3).strip())
    line = exc.lineno
    column = (exc.offset + 1) if exc.offset is not None else None
    return InputError(str(path), line, column, message.strip())


_STABLE_DATATYPES = {XSD_STRING, RDF_LANGSTRING, XSD + "anyURI"}


def check_nesting(path: Path, text: str) -> None:
    """Refuse brackets nested deeper than MAX_NESTING, counted on the text before any parser sees it.

    A parser recursing 100,000 levels deep exhausts its stack or its memory;
    no curated data nests ``[ ]`` or ``( )`` more than a few levels.
    """
    if nesting_depth(text) > MAX_NESTING:
        depth, line, column = nesting(text)
        raise InputError(str(path), line, column, f"brackets nest {depth} deep; at most {MAX_NESTING} levels are allowed")


def check_structure(path: Path, text: str, triples: list[ox.Triple]) -> None:
    """Refuse blank nodes RDFC-1.0 cannot name within its budget, naming the file.

    Look-alike blank nodes (a list of 1,000 identical items, 1,000 nested
    ``[ ]``) would make the canonical N-Triples of ``build`` take minutes or
    all memory; ``validate`` refuses them too, so both verbs agree.
    """
    if "[" in text or "(" in text or "_:" in text:
        try:
            check_canonicalization_budget(t for t in triples if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))
        except TooManyLookAlikes as exc:
            raise InputError(str(path), None, None, str(exc)) from None


_TZ = r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?([1-9]\d{4,}|\d{4})"
_LEXICAL = {
    "boolean": r"true|false|1|0",
    "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
    "double": r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN",
    "float": r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN",
    "date": _YEAR + r"-(\d\d)-(\d\d)" + _TZ,
    "dateTime": _YEAR + r"-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?" + _TZ,
    "dateTimeStamp": _YEAR + r"-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))",
    "time": r"(\d\d):(\d\d):(\d\d)(\.\d+)?" + _TZ,
    "gYear": _YEAR + _TZ,
    "gYearMonth": _YEAR + r"-(0[1-9]|1[0-2])" + _TZ,
    "gMonth": r"--(0[1-9]|1[0-2])" + _TZ,
    "gDay": r"---(0[1-9]|[12]\d|3[01])" + _TZ,
    "gMonthDay": r"--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _TZ,
}
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}


def well_typed(lexical: str, datatype: str) -> bool:
    """Whether ``lexical`` is in the lexical space of the XSD ``datatype`` (its local name); unknown types pass.

    >>> well_typed("2020-02-29", "date"), well_typed("2021-02-29", "date"), well_typed("2020-13-45", "date")
    (True, False, False)
    >>> well_typed("300", "byte"), well_typed("2020", "gYear"), well_typed("2020-13", "gYearMonth")
    (False, True, False)
    """
    import calendar

    if datatype in _INTEGER_RANGES:
        if not re.fullmatch(r"[+-]?\d+", lexical):
            return False
        low, high = _INTEGER_RANGES[datatype]
        value = int(lexical)
        return (low is None or value >= low) and (high is None or value <= high)
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    match = re.fullmatch(pattern, lexical)
    if not match:
        return False
    if datatype in ("date", "dateTime", "dateTimeStamp"):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12:
            return False
        leap = calendar.isleap(year) if year > 0 else calendar.isleap(abs(year) + 1 if year < 0 else 2000)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        if not 1 <= day <= days:
            return False
        if datatype != "date":
            hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6))
            if not (minute <= 59 and second <= 59 and (hour <= 23 or (hour == 24 and minute == 0 and second == 0 and not match.group(7)))):
                return False
    if datatype == "time":
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3))
        return minute <= 59 and second <= 59 and (hour <= 23 or (hour == 24 and minute == 0 and second == 0))
    return True


def check_datatypes(path: Path, text: str, triples: list[ox.Triple]) -> None:
    """Refuse a literal whose lexical form is not of its XSD datatype (``"2020-13-45"^^xsd:date``).

    An ill-typed literal means nothing to any reader, yet it parses and, once
    published, passes for data; it is an input error with its file and line.
    """
    seen: set[ox.Literal] = set()
    for triple in triples:
        literal = triple.object
        if not isinstance(literal, ox.Literal) or literal.language or literal in seen:
            continue
        seen.add(literal)
        datatype = literal.datatype.value
        if datatype.startswith(XSD) and not well_typed(literal.value, datatype[len(XSD) :]):
            line, column = _locate(text, literal.value)
            shown = literal.value if len(literal.value) <= 80 else literal.value[:77] + "…"
            raise InputError(str(path), line, column, f'"{shown}" is not a valid xsd:{datatype[len(XSD) :]}')


def check_literals(path: Path, text: str, triples: list[ox.Triple]) -> None:
    """Refuse literals that the store would rewrite, rather than publish them changed.

    Oxigraph stores values, not lexical forms: ``"23"^^xsd:nonNegativeInteger``
    comes back as ``"23"^^xsd:integer`` and ``"1.0"^^xsd:decimal`` as ``"1"``.
    Publishing such a literal would silently alter the curator's data, so it is
    an input error that asks for the canonical form instead.
    """
    literals = {t.object for t in triples if isinstance(t.object, ox.Literal) and not t.object.language and t.object.datatype.value not in _STABLE_DATATYPES}
    if not literals:
        return
    probe = ox.Store()
    subject, predicate = ox.NamedNode("urn:uugraph:probe"), ox.NamedNode("urn:uugraph:value")
    for literal in sorted(literals, key=str):
        probe.add(ox.Quad(subject, predicate, literal))
        stored = next(iter(probe)).object
        probe.clear()
        if stored != literal:
            line, column = _locate(text, literal.value)
            raise InputError(
                str(path),
                line,
                column,
                f"{literal} would be stored as {stored}: write the canonical form (xsd:integer for counts; the shapes check the range)",
            )


def _locate(text: str, lexical: str) -> tuple[int | None, int | None]:
    for number, line in enumerate(text.splitlines(), start=1):
        index = line.find(f'"{lexical}"')
        if index >= 0:
            return number, index + 1
    return None, None


class _BackgroundLoad:
    """``Store.bulk_load`` of one file's bytes in a thread, started at once; :meth:`join` waits for it."""

    def __init__(self, store: ox.Store, data: bytes, graph: ox.NamedNode) -> None:
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(store, data, graph), name="uugraph-load", daemon=True)
        self.thread.start()

    def _run(self, store: ox.Store, data: bytes, graph: ox.NamedNode) -> None:
        try:
            store.bulk_load(data, format=ox.RdfFormat.TURTLE, base_iri=base_iri(), to_graph=graph)
        except BaseException as exc:  # reported by raise_failure, in the caller's thread
            self.failure = exc

    def join(self) -> None:
        self.thread.join()

    def raise_failure(self, path: Path) -> None:
        """Raise the loader's error as an InputError (the Python parse, run first, names syntax errors itself)."""
        if isinstance(self.failure, SyntaxError):
            raise syntax_error(path, self.failure) from self.failure
        if self.failure is not None:
            raise InputError(str(path), None, None, f"the store could not load the file: {self.failure}") from self.failure


def _load_folder(folder: Path, layer: str, loaded: LoadedGraph, step: StepProgress | None = None) -> None:
    for path in _turtle_files(folder, layer):
        text = read_text(path)
        data = text.encode("utf-8")
        # The store loads the bytes natively while Python checks the same text: nesting, syntax,
        # blank nodes and literals. Oxigraph's bulk loader releases the interpreter lock, so the two
        # run on two cores: at a million triples, load takes the time of the slower of the two
        # rather than of both. Should a check fail, the error is raised and the store discarded.
        # Oxigraph's Turtle parser keeps its own stack (100,000 nested `[ ]` load in a second), so
        # only the Python side needs the nesting bound, and it is checked before Python parses.
        loader = _BackgroundLoad(loaded.store, data, LAYER_GRAPHS[layer])
        try:
            check_nesting(path, text)
            triples = parse_turtle(path, text)
            check_structure(path, text, triples)
            check_datatypes(path, text, triples)
            check_literals(path, text, triples)
        finally:
            loader.join()
        loader.raise_failure(path)
        loaded.files[layer].append(path)
        if step is not None:
            step.advance(len(data) // 1000)


def _stamp_ontology(loaded: LoadedGraph, root: Path) -> None:
    """Stamp the ontology header from the project: version IRI and number, release date, namespace.

    They come from the project's pyproject.toml (``root``) and the base IRI
    rather than from the Turtle file, so a release cannot publish an ontology
    whose version says otherwise.
    """
    ontology = ox.NamedNode(uuo())
    graph = loaded.ontology_graphs[0]
    owl, dcterms = OWL, DCTERMS
    for predicate in (owl + "versionIRI", owl + "versionInfo", dcterms + "modified", VANN + "preferredNamespaceUri"):
        for quad in list(loaded.store.quads_for_pattern(ontology, ox.NamedNode(predicate), None, graph)):
            loaded.store.remove(quad)
    stamps: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        (VANN + "preferredNamespaceUri", ox.Literal(ontology.value)),
        (owl + "versionIRI", ox.NamedNode(f"{ontology.value}{version(root)}")),
        (owl + "versionInfo", ox.Literal(version(root))),
    ]
    released = release_date(root)
    if released:
        stamps.append((dcterms + "modified", ox.Literal(released, datatype=ox.NamedNode(XSD + "date"))))
    loaded.store.extend(ox.Quad(ontology, ox.NamedNode(p), o, graph) for p, o in stamps)


def load(layout: Layout, *, with_queries: bool = True, step: StepProgress | None = None) -> LoadedGraph:
    """Parse the ontology, data and shapes (and, by default, the queries); ``step`` counts kilobytes read."""
    loaded = LoadedGraph(store=ox.Store())
    folders = {"ontology": layout.ontology_dir, "data": layout.data_dir, "shapes": layout.shapes_dir}
    if step is not None:
        step.total = sum(p.stat().st_size // 1000 for layer, folder in folders.items() if folder.is_dir() for p in folder.rglob("*.ttl") if p.is_file())
    _load_folder(folders["ontology"], "ontology", loaded, step)
    _stamp_ontology(loaded, layout.root)
    _load_folder(folders["data"], "data", loaded, step)
    _load_folder(folders["shapes"], "shapes", loaded, step)
    if with_queries:
        loaded.queries = load_queries(layout.queries_dir)
    return loaded


# ---------------------------------------------------------------- queries

_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")


def check_query(path: Path, text: str) -> str:
    """Parse a query, never run it: refusals name file:line:column; the query form if it passes.

    Both Oxigraph's and rdflib's parsers must read it, its brackets may not
    nest deeper than :data:`~uugraph.rdf.sparql_text.MAX_NESTING`, and no
    SERVICE may appear in its parse tree (see
    :func:`~uugraph.rdf.sparql_text.check_parsed`). Nothing is evaluated, so
    a slow query cannot hang ``validate`` or ``build``.
    """
    base = base_iri()
    remembered = _checked_queries.recall(text, base)
    if remembered is not None:
        return remembered
    try:
        form = check_parsed(text, base, oxigraph=_oxigraph_parses_bounded)
    except QueryRefused as exc:
        raise InputError(str(path), exc.line, exc.column, exc.cause) from None
    _checked_queries.remember(text, base, form)
    return form


class RememberedPasses:
    """Inputs that passed a costly check, remembered on disk so the next run skips the check.

    Two checks use it: a query of ``queries/`` read by both parsers
    (:func:`check_query`, about 35 ms a query) and the shapes graph checked
    against SHACL-SHACL (:func:`uugraph.pipeline.validate.check_shapes`, about
    0.15 s); together they were most of a ``validate`` on the real data. A
    verdict depends only on the input, the base IRI, the checking code and the
    versions of the libraries that check, which together make the key
    (``code`` names the modules whose source is part of it, ``versions`` the
    libraries). Only a pass is remembered: a refused input is checked again
    every time, so its error is always reported with its position. The folder
    is ``$UUGRAPH_CACHE_DIR/KIND``, else ``$XDG_CACHE_HOME/uugraph/KIND``
    (``~/.cache/uugraph``); ``UUGRAPH_CACHE_DIR=off`` turns the memory off, and
    an unwritable folder just means no memory.
    """

    def __init__(self, kind: str = "checked-queries", code: tuple[str, ...] = ("uugraph.rdf.sparql_text", __name__), versions: tuple[str, ...] = ("rdflib",)) -> None:
        self.kind, self.code, self.versions = kind, code, versions
        self._folder: Path | None | bool = False  # False: not looked up yet
        self._salt: bytes | None = None

    def folder(self) -> Path | None:
        if self._folder is False:
            import os

            setting = os.environ.get("UUGRAPH_CACHE_DIR")
            if setting == "off":
                self._folder = None
            else:
                root = Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uugraph"
                self._folder = root / self.kind
        return self._folder if isinstance(self._folder, Path) else None

    def key(self, text: str, base: str) -> str:
        import hashlib
        import importlib
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed

        if self._salt is None:
            code = b"".join(Path(importlib.import_module(name).__file__ or "").read_bytes() for name in self.code)
            versions = [f"pyoxigraph {ox.__version__}"]
            for library in self.versions:
                try:
                    versions.append(f"{library} {installed(library)}")
                except PackageNotFoundError:
                    versions.append(f"{library} absent")
            self._salt = hashlib.sha256(code + " ".join(versions).encode()).digest()
        return hashlib.sha256(self._salt + base.encode() + b"\0" + text.encode("utf-8")).hexdigest()

    def recall(self, text: str, base: str) -> str | None:
        folder = self.folder()
        if folder is None:
            return None
        try:
            return (folder / self.key(text, base)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def remember(self, text: str, base: str, verdict: str) -> None:
        import os
        import tempfile

        folder = self.folder()
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".new-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(verdict)
            os.replace(temporary, folder / self.key(text, base))
        except OSError:
            return


_checked_queries = RememberedPasses()


#: Seconds Oxigraph may spend reading a query in a check. Parsing is linear and takes
#: milliseconds; what runs longer is the planner (it may join inline VALUES at once),
#: which means the text parsed.
PARSE_SECONDS = 3.0


def _oxigraph_parses_bounded(text: str, base: str | None) -> None:
    """Oxigraph's parser on ``text`` in a killable, network-less worker: a SyntaxError comes back as one."""
    from uugraph.pipeline import sandbox
    from uugraph.rdf.sparql_text import oxigraph_parses

    if not sandbox.available():
        oxigraph_parses(text, base)
        return

    def parse() -> str | None:
        try:
            oxigraph_parses(text, base)
        except SyntaxError as exc:
            return str(exc.msg if exc.msg else exc)
        return None

    try:
        message = sandbox.run_isolated(parse, timeout=PARSE_SECONDS, what="parsing the query")
    except sandbox.QueryTimeout:
        return
    if message is not None:
        raise SyntaxError(message)


def _warn_on_stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def parse_query_file(path: Path, *, require_summary: bool = True, warn: Callable[[str], None] = _warn_on_stderr) -> QueryFile:
    """Read, check and describe one ``.rq`` file.

    The files of ``queries/`` are documented assets: a missing ``#+ summary:``
    line is an error there. An ad-hoc file given to ``uugraph query`` is run
    anyway (``require_summary=False``): ``warn`` is told, and the summary is empty.
    """
    text = read_text(path)
    check_query(path, text)
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if match:
            header[match.group(1).lower()] = match.group(2).strip()
        elif line.strip() and not line.lstrip().startswith("#"):
            break
    if "summary" not in header:
        if require_summary:
            raise InputError(str(path), 1, 1, "query file has no '#+ summary:' header line")
        warn(f"{path}:1:1: query file has no '#+ summary:' header line (run anyway; the files of queries/ need one)")
    tags = tuple(t.strip() for t in header.get("tags", "").split(",") if t.strip())
    return QueryFile(path.stem, path, text, header.get("summary", ""), header.get("description", ""), tags)


def load_queries(folder: Path) -> dict[str, QueryFile]:
    """Every ``queries/*.rq`` file, checked, by name (the file name without ``.rq``)."""
    if not folder.is_dir():
        raise InputError(str(folder), None, None, "queries folder is missing")
    files = sorted(folder.glob("*.rq"))
    if not files:
        raise InputError(str(folder), None, None, "queries folder has no .rq files")
    return {p.stem: parse_query_file(p) for p in files}
