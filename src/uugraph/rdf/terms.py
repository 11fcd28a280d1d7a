"""Terms and N-Triples: the conversions between Oxigraph and rdflib, and the byte-stable line form.

Oxigraph is the store; rdflib is what pySHACL, owlrl and the shapes reader
speak. One pair of conversions serves every module that crosses between them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pyoxigraph as ox

from uugraph.rdf.namespaces import RDF, XSD

if TYPE_CHECKING:
    import rdflib

# pyoxigraph has no common base class of its terms: these aliases name the unions
# its stubs use, for annotations (``ox.Term`` does not exist).
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""Any RDF term: what an object position (or a SPARQL solution value) holds."""
Subject: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Triple
"""What a subject position holds (RDF-star: a quoted triple too)."""
Resource: TypeAlias = ox.NamedNode | ox.BlankNode
"""A node that is not a literal: what a plain RDF 1.1 subject is."""
GraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""A graph name of a quad, or what ``Store.query(default_graph=…)`` takes."""


#: The work RDFC-1.0 may be given: the sum, over clusters of linked look-alike blank nodes, of the
#: cluster's size cubed (its cost grows about so: 200 look-alikes in a chain take a second, 1,000
#: more than 90 s, 100,000 exhaust memory).
CANONICALIZATION_BUDGET = 128**3


class TooManyLookAlikes(ValueError):
    """Blank nodes that RDFC-1.0 cannot tell apart cheaply: canonicalizing them would take minutes or crash.

    ``example`` is one of the look-alike blank nodes, ``size`` how many are linked together.
    """

    def __init__(self, size: int, example: ox.BlankNode, structure: str) -> None:
        self.size = size
        self.example = example
        self.structure = structure
        super().__init__(f"{size:,} linked blank nodes look alike ({structure}); canonicalizing them exceeds the budget: give the nodes IRIs, or make the items differ")


def look_alike_clusters(triples: Iterable[ox.Triple]) -> list[list[ox.BlankNode]]:
    """Linked blank nodes that share their first-degree hash with another, by cluster, largest first.

    A blank node's first-degree hash (RDFC-1.0 §4.6) covers the triples around
    it with blank nodes blanked out. Nodes with a unique hash are named at once;
    the others go to the expensive n-degree step, which follows links between
    such nodes, so its cost is set by how many of them hang together: a list of
    identical items or nested ``[ ]`` is one cluster as long as the structure,
    while many separate ``[ ex:q 1 ]`` are clusters of one.
    """
    triples = list(triples)
    around: dict[str, list[str]] = {}
    for triple in triples:
        terms = (triple.subject, triple.predicate, triple.object)
        blanks = {t.value for t in terms if isinstance(t, ox.BlankNode)}
        for blank in blanks:
            around.setdefault(blank, []).append(" ".join(("_:a" if t.value == blank else "_:z") if isinstance(t, ox.BlankNode) else str(t) for t in terms))
    count: dict[tuple[str, ...], int] = {}
    signature = {blank: tuple(sorted(lines)) for blank, lines in around.items()}
    for sig in signature.values():
        count[sig] = count.get(sig, 0) + 1
    alike = {blank for blank, sig in signature.items() if count[sig] > 1}
    parent = {blank: blank for blank in alike}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for triple in triples:
        s, o = triple.subject, triple.object
        if isinstance(s, ox.BlankNode) and isinstance(o, ox.BlankNode) and s.value in alike and o.value in alike:
            parent[root(s.value)] = root(o.value)
    clusters: dict[str, list[ox.BlankNode]] = {}
    for blank in alike:
        clusters.setdefault(root(blank), []).append(ox.BlankNode(blank))
    return sorted(clusters.values(), key=len, reverse=True)


def check_canonicalization_budget(triples: Iterable[ox.Triple]) -> None:
    """Raise :class:`TooManyLookAlikes` when RDFC-1.0 would exceed :data:`CANONICALIZATION_BUDGET`.

    >>> chain = ox.parse(b"<http://e/a> <http://e/p> (" + b" 1" * 500 + b" ) .", format=ox.RdfFormat.TURTLE)
    >>> try:
    ...     check_canonicalization_budget(q.triple for q in chain)
    ... except TooManyLookAlikes as exc:
    ...     print(exc.size, exc.structure)
    498 an RDF list of identical items
    """
    triples = list(triples)
    clusters = look_alike_clusters(triples)
    if sum(len(c) ** 3 for c in clusters) <= CANONICALIZATION_BUDGET:
        return
    largest = clusters[0]
    members = {b.value for b in largest}
    predicates = {t.predicate.value for t in triples if isinstance(t.subject, ox.BlankNode) and t.subject.value in members}
    structure = "an RDF list of identical items" if RDF + "rest" in predicates else "nested [ ] with the same content"
    raise TooManyLookAlikes(len(largest), largest[0], structure)


def canonical_ntriples(ntriples: bytes) -> bytes:
    """Deduplicated, sorted N-Triples with blank nodes renamed by RDFC-1.0: byte-stable output.

    Works on lines, not Python term objects, so a million triples sort in
    seconds. Only the lines that mention a blank node are canonicalized (in our
    graphs, the few RDF lists of the ontology), which keeps this cheap. Blank
    nodes RDFC-1.0 could only tell apart by minutes of work (or by exhausting
    memory) raise :class:`TooManyLookAlikes` first; the loader reports such
    files with their name and line, so this is the last line of defence.
    """
    lines = set(ntriples.splitlines())
    lines.discard(b"")
    blank = {line for line in lines if b"_:" in line}
    if blank:
        lines -= blank
        lines.update(_canonical_blank_lines(blank))
    return b"\n".join(sorted(lines)) + b"\n"


def _canonical_blank_lines(blank: Iterable[bytes]) -> list[bytes]:
    """N-Triples lines mentioning blank nodes, with the nodes renamed by RDFC-1.0 (no line ends)."""
    triples = [q.triple for q in ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_TRIPLES)]
    check_canonicalization_budget(triples)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    canonical = ox.serialize((q.triple for q in dataset), format=ox.RdfFormat.N_TRIPLES) or b""
    return [line for line in canonical.splitlines() if line]


#: Lines sorted in memory at once by the in-process sort of :func:`canonical_ntriples_of` (about 200 bytes each).
SORT_RUN_LINES = 400_000
#: The memory the system's sort may use before it spills sorted runs into the temporary folder. Measured on
#: the 1 GB of canonical N-Triples of three million synthetic triples: 256 MB sorts them in 4.1 s at 258 MB
#: of memory, 1 GB in 9.8 s at 1,025 MB (a spike beside the shapes in ``validate``). Shuffled, 256 MB took
#: 7.5 s at 264 MB and 64 MB 9.0 s at 67 MB: at ten million triples ``validate``'s peak is the shapes' with
#: this sort beside them, 8.0-8.4 GB, so the sort, in the cache's thread, gives up the 200 MB.
SORT_BUFFER = "64M"


def canonical_ntriples_of(store: ox.Store, graphs: Iterable[GraphName], *, sorter: str = "auto") -> bytes:
    """:func:`canonical_ntriples` of the union of ``graphs`` of ``store``, sorted in bounded memory.

    The bytes of :func:`write_canonical_ntriples_of`, read back: one copy of
    the result in memory, for a caller that needs the bytes.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="uugraph-sort-") as name:
        path = Path(name) / "canonical.nt"
        write_canonical_ntriples_of(store, graphs, path, sorter=sorter)
        return path.read_bytes()


#: Bytes of the sorted file read at once while the blank-node lines are put back in place.
CANONICAL_CHUNK = 1 << 24


def write_canonical_ntriples_of(store: ox.Store, graphs: Iterable[GraphName], path: Path, *, sorter: str = "auto") -> tuple[int, str]:
    """Write :func:`canonical_ntriples` of the union of ``graphs`` of ``store`` to ``path``; its size and SHA-256.

    The in-memory form keeps a Python object per line, a set and a sorted
    list: about 900 MB beside a 270 MB dump at 1.5M triples. Here the store
    dumps each graph into a temporary file, and the lines of all of them are
    sorted with duplicates dropped by the system's ``sort`` (GNU coreutils,
    bytewise under ``LC_ALL=C``, spilling to disk past :data:`SORT_BUFFER`,
    on every core): at a million triples 2 s where sorting in Python takes 8.
    Where there is no GNU sort (``sorter="python"`` forces it), runs of
    :data:`SORT_RUN_LINES` lines are sorted in Python and merged from disk, so
    only one run is ever held as lines. The few lines that mention a blank
    node are then taken out of the sorted file, canonicalized, and put back
    in order while the file is copied to ``path`` in chunks of
    :data:`CANONICAL_CHUNK` bytes: the whole result is never in memory (it
    was twice, 2 GB at three million triples, in ``validate``'s cache
    thread). The bytes are those of :func:`canonical_ntriples` on the same
    dump: bytewise order of lines without their line ends is the order of the
    lines with them, as no N-Triples line is a prefix of another.
    """
    import hashlib
    import tempfile
    import threading

    if sorter not in ("auto", "python"):
        raise ValueError(f"unknown sorter {sorter!r}")
    with tempfile.TemporaryDirectory(prefix="uugraph-sort-", dir=path.parent) as name:
        folder = Path(name)
        graphs = list(graphs)
        dumps = [folder / f"graph-{i}.nt" for i in range(len(graphs))]
        # The dump runs without the interpreter lock: one thread per graph keeps every core busy.
        failures: list[BaseException] = []
        threads = [threading.Thread(target=_dump_graph, args=(store, graph, dump, failures)) for graph, dump in zip(graphs, dumps, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        merged = folder / "merged.nt"
        if sorter == "python" or not _system_sort(dumps, merged, folder):
            _python_sort(dumps, merged, folder)
        for dump in dumps:
            dump.unlink()
        blank = [chunk[begin:end].rstrip(b"\n") for chunk in line_chunks(merged) for begin, end in _spans_with_blank_marks(chunk)]
        canonical = sorted({line + b"\n" for line in _canonical_blank_lines(blank)}) if blank else []
        digest, size = hashlib.sha256(), 0
        with path.open("wb") as out:

            def write(piece: bytes | memoryview) -> None:
                nonlocal size
                out.write(piece)
                digest.update(piece)
                size += len(piece)

            placed = 0
            chunks = line_chunks(merged)
            chunk = next(chunks, b"")
            while chunk:
                following = next(chunks, b"")
                last = chunk[chunk.rfind(b"\n", 0, len(chunk) - 1) + 1 :]
                upto = placed
                while upto < len(canonical) and (not following or canonical[upto] <= last):
                    upto += 1
                _write_with_lines_placed(chunk, canonical[placed:upto], write)
                placed, chunk = upto, following
            for line in canonical[placed:]:  # only when the sorted file was empty
                write(line)
            if not size:
                write(b"\n")
    return size, digest.hexdigest()


def line_chunks(path: Path, size: int | None = None) -> Iterator[bytes]:
    """The bytes of ``path`` in pieces of about ``size`` (:data:`CANONICAL_CHUNK`), each ending at a line end.

    What reads a big N-Triples file without holding it: the canonical copy
    here, the built store's index (:mod:`uugraph.outputs.store`).
    """
    with path.open("rb") as handle:
        while chunk := handle.read(size or CANONICAL_CHUNK):
            if not chunk.endswith(b"\n"):
                chunk += handle.readline()
            yield chunk if chunk.endswith(b"\n") else chunk + b"\n"


def _dump_graph(store: ox.Store, graph: GraphName, path: Path, failures: list[BaseException]) -> None:
    try:
        store.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    except BaseException as exc:  # re-raised by the caller, in its own thread
        failures.append(exc)


def _write_with_lines_placed(ntriples: bytes, canonical: list[bytes], write: Callable[[bytes | memoryview], object]) -> None:
    """Write sorted ``ntriples`` without its lines that mention blank nodes, with the sorted ``canonical`` lines placed in order.

    These lines are few (the ontology's RDF lists), so they are found with a
    byte search and the new ones placed by binary search over byte offsets:
    the million other lines are copied once, never split.
    """
    spans = _spans_with_blank_marks(ntriples)
    places = [_place_of(ntriples, line) for line in canonical]
    view = memoryview(ntriples)
    copied = placed = 0
    for begin, end in [*spans, (len(ntriples), len(ntriples))]:
        while placed < len(canonical) and places[placed] <= begin:
            write(view[copied : places[placed]])
            write(canonical[placed])
            copied = places[placed]
            placed += 1
        write(view[copied:begin])
        copied = end


def _spans_with_blank_marks(ntriples: bytes) -> list[tuple[int, int]]:
    """(start, end) of every line with ``_:`` anywhere (a literal's included), line end included: one byte search."""
    spans: list[tuple[int, int]] = []
    at = ntriples.find(b"_:")
    while at != -1:
        begin = ntriples.rfind(b"\n", 0, at) + 1
        end = ntriples.find(b"\n", at) + 1 or len(ntriples)
        spans.append((begin, end))
        at = ntriples.find(b"_:", end)
    return spans


_SUBJECT = re.compile(rb"^<([^>]*)> ", re.M)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(iri: str) -> str:
    """An IRI as N-Triples may write it (``\\uXXXX`` escapes) back to its characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri) if "\\" in iri else iri


def named_subjects(ntriples: bytes) -> Iterator[str]:
    """The IRI subjects of sorted N-Triples, each once (a subject's lines are adjacent)."""
    previous = b""
    for match in _SUBJECT.finditer(ntriples):
        raw = match.group(1)
        if raw != previous:
            previous = raw
            yield _unescape(raw.decode("utf-8"))


def blank_node_lines(ntriples: bytes) -> list[bytes]:
    """The lines of N-Triples whose subject or object is a blank node (without line ends), in their order.

    The candidates are the lines with ``_:`` anywhere, found by one byte
    search, so a million lines without blank nodes cost one scan.
    """
    lines = (ntriples[begin:end].rstrip(b"\n") for begin, end in _spans_with_blank_marks(ntriples))
    return [line for line in lines if line.startswith(b"_:") or line.split(b" ", 2)[2].startswith(b"_:")]


def _place_of(ntriples: bytes, line: bytes) -> int:
    """The offset of the first line of sorted ``ntriples`` not less than ``line``."""
    low, high = 0, len(ntriples)  # ``low`` is always the start of a line
    while low < high:
        middle = (low + high) // 2
        begin = ntriples.rfind(b"\n", 0, middle) + 1
        end = ntriples.find(b"\n", begin) + 1 or len(ntriples)
        if ntriples[begin:end] < line:
            low = end
        else:
            high = begin
    return low


def _system_sort(sources: list[Path], merged: Path, folder: Path) -> bool:
    """Sort the lines of ``sources`` into ``merged``, duplicates dropped, with GNU sort; False when there is none."""
    import os
    import shutil
    import subprocess

    program = shutil.which("sort")
    if program is None:
        return False
    environment = {**os.environ, "LC_ALL": "C"}
    try:
        version = subprocess.run([program, "--version"], capture_output=True, env=environment, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    if b"GNU coreutils" not in version.stdout:
        return False
    cores = max(1, min(4, os.cpu_count() or 1))
    command = [program, "-u", "-S", SORT_BUFFER, f"--parallel={cores}", "-T", str(folder), "-o", str(merged), *map(str, sources)]
    finished = subprocess.run(command, capture_output=True, env=environment, check=False)
    if finished.returncode != 0:
        raise OSError(f"sort failed (exit code {finished.returncode}): {finished.stderr.decode('utf-8', 'replace').strip()}")
    return True


def _python_sort(sources: list[Path], merged: Path, folder: Path) -> None:
    """Sort the lines of ``sources`` into ``merged``, duplicates dropped: runs sorted in memory, merged from disk."""
    import heapq
    import itertools

    runs: list[Path] = []
    for source in sources:
        with source.open("rb") as lines:
            while run := list(itertools.islice(lines, SORT_RUN_LINES)):
                run = [line if line.endswith(b"\n") else line + b"\n" for line in run]
                run.sort()
                runs.append(folder / f"run-{len(runs)}.nt")
                runs[-1].write_bytes(b"".join(run))
    with merged.open("wb") as out, contextlib.ExitStack() as stack:
        opened = [stack.enter_context(run.open("rb")) for run in runs]
        previous = None
        for line in heapq.merge(*opened):
            if line != previous:
                out.write(line)
                previous = line


def parse_ntriples(ntriples: bytes) -> Iterator[ox.Triple]:
    return (q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal, *, keep_lexical: bool = False) -> rdflib.term.Identifier:
    """The rdflib form of an Oxigraph term; an xsd:string literal has no datatype, as rdflib parses it.

    ``keep_lexical`` keeps a literal's lexical form as it is (rdflib would
    otherwise normalise ``"01"^^xsd:integer`` to ``"1"``): a SHACL report
    names the value the data holds.
    """
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False if keep_lexical else None)


def ox_term(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The Oxigraph form of an rdflib term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


class NTriplesSource(Protocol):
    """Anything that writes named graphs of its store as N-Triples (the pipeline's ``LoadedGraph``)."""

    def ntriples(self, graphs: list[ox.NamedNode]) -> bytes: ...


def to_rdflib(loaded: NTriplesSource, graphs: list[ox.NamedNode]) -> rdflib.Graph:
    """Copy the given named graphs of a loaded graph into one rdflib Graph (for pyshacl and owlrl)."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=loaded.ntriples(graphs).decode("utf-8"), format="nt")
    return graph


def serialized(output: bytes | None) -> bytes:
    """What ``ox.serialize``/``Store.dump`` return when given no output file: bytes (their stubs allow None).

    >>> serialized(ox.serialize([], format=ox.RdfFormat.N_TRIPLES))
    b''
    """
    if output is None:
        raise TypeError("the serialiser wrote to a file; no bytes to return")
    return output
