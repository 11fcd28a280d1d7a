"""The patches between two builds: each side read canonically, compared triple by triple and list by list.

Each side is a build folder (``dist/``, ``dist/0.1.0/``: its ``graph.nt``, else
``graph.ttl``, else ``graph.jsonld``) or one graph file (``.nt``, ``.ttl``,
``.jsonld``). Both are read into the canonical N-Triples that ``build`` writes
(:func:`read_canonical`: deduplicated, sorted, blank nodes named by RDFC-1.0),
so two files that differ only in the order of their triples or in the labels
of their blank nodes are the same graph and their patches are empty.

Triples without blank nodes are compared as they are. Triples with blank nodes
(the RDF lists of the ontology) are compared one *connected blank-node
component* at a time, each canonicalized on its own: a list is unchanged if it
is isomorphic to a list on the other side, whatever labels the two graphs gave
it. A changed component is removed whole and added whole.

The patches (:func:`patch_lines`) are sorted N-Triples:

* ``removed.nt`` holds lines of OLD's canonical N-Triples, exactly as they are
  written in its ``graph.nt`` (blank nodes included);
* ``added.nt`` holds the new lines; the blank nodes of added components are
  named ``_:new…`` so they never clash with a blank node of OLD.

So OLD's canonical lines minus ``removed.nt`` plus ``added.nt`` is a graph
isomorphic to NEW (:func:`apply_patch`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.pipeline.load import syntax_error
from uugraph.rdf.terms import canonical_ntriples, serialized

Term = ox.NamedNode | ox.BlankNode | ox.Literal
AnyTerm = TypeVar("AnyTerm", bound=ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple)

GRAPH_FILES = ("graph.nt", "graph.ttl", "graph.jsonld")
FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD}


def resolve(path: Path) -> Path:
    """The graph file of a build folder (``graph.nt``, else ``.ttl``, else ``.jsonld``), or the file itself."""
    if path.is_dir():
        for name in GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        versions = sorted(d.name for d in path.iterdir() if d.is_dir() and any((d / n).is_file() for n in GRAPH_FILES))
        hint = f"; give one of its versions: {', '.join(str(path / v) for v in versions)}" if versions else ""
        raise InputError(str(path), None, None, f"no {', '.join(GRAPH_FILES)} in this folder{hint}")
    if path.is_file():
        if path.suffix not in FORMATS:
            raise InputError(str(path), None, None, f"not a graph file: give a build folder or a {', '.join(sorted(FORMATS))} file")
        return path
    raise InputError(str(path), None, None, "no such build folder or graph file")


def read_canonical(path: Path) -> bytes:
    """A build folder or graph file as canonical N-Triples (what ``build`` writes as ``graph.nt``)."""
    source = resolve(path)
    try:
        quads = ox.parse(path=str(source), format=FORMATS[source.suffix], base_iri=base_iri())
        ntriples = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:
        raise syntax_error(source, exc) from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(source), None, None, f"cannot read the graph: {exc}") from exc
    return canonical_ntriples(ntriples or b"")


def lines_of(ntriples: bytes) -> list[bytes]:
    """The non-empty lines of N-Triples."""
    return [line for line in ntriples.splitlines() if line.strip()]


def parse_lines(lines: Iterable[bytes]) -> list[ox.Triple]:
    """N-Triples lines as triples (no lines, no triples)."""
    data = b"\n".join(lines)
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)] if data else []


def _blank_nodes(triple: ox.Triple) -> list[str]:
    return [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]


@dataclass
class _Component:
    lines: list[bytes]  # as written in the side's canonical N-Triples
    key: bytes  # the component canonicalized on its own: equal keys, isomorphic components


def _components(lines: list[bytes]) -> tuple[set[bytes], list[_Component]]:
    """Split canonical lines into ground lines and connected blank-node components."""
    ground = {line for line in lines if b"_:" not in line}
    candidates = [line for line in lines if b"_:" in line]
    triples = parse_lines(candidates)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for triple in triples:
        nodes = _blank_nodes(triple)
        for node in nodes:
            find(node)
        if len(nodes) == 2:
            parent[find(nodes[0])] = find(nodes[1])
    groups: dict[str, list[tuple[bytes, ox.Triple]]] = defaultdict(list)
    for line, triple in zip(candidates, triples, strict=True):
        nodes = _blank_nodes(triple)
        if not nodes:  # "_:" inside a literal
            ground.add(line)
            continue
        groups[find(nodes[0])].append((line, triple))
    components = []
    for members in groups.values():
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for _, t in members)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        key = b"\n".join(sorted(serialized(ox.serialize((q.triple for q in dataset), format=ox.RdfFormat.N_TRIPLES)).splitlines()))
        components.append(_Component(sorted(line for line, _ in members), key))
    components.sort(key=lambda c: c.lines)
    return ground, components


def _renamed(lines: list[bytes], prefix: str) -> list[bytes]:
    """The lines with every blank node label prefixed, so they cannot clash with another graph's."""

    def rename(term: AnyTerm) -> AnyTerm:
        return cast(AnyTerm, ox.BlankNode(prefix + term.value)) if isinstance(term, ox.BlankNode) else term

    triples = (ox.Triple(rename(t.subject), t.predicate, rename(t.object)) for t in parse_lines(lines))
    return lines_of(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")


def patch_lines(old: bytes, new: bytes) -> tuple[list[bytes], list[bytes]]:
    """(added, removed): sorted N-Triples lines that turn canonical ``old`` into a graph isomorphic to ``new``."""
    old_ground, old_components = _components(lines_of(old))
    new_ground, new_components = _components(lines_of(new))
    added = set(new_ground - old_ground)
    removed = set(old_ground - new_ground)
    old_keys = Counter(c.key for c in old_components)
    new_keys = Counter(c.key for c in new_components)
    seen: Counter[bytes] = Counter()
    for component in old_components:
        seen[component.key] += 1
        if seen[component.key] > new_keys[component.key]:
            removed.update(component.lines)
    seen.clear()
    fresh: list[bytes] = []
    for component in new_components:
        seen[component.key] += 1
        if seen[component.key] > old_keys[component.key]:
            fresh.extend(component.lines)
    added.update(_renamed(fresh, "new"))
    return sorted(added), sorted(removed)


def apply_patch(old: bytes, added: bytes, removed: bytes) -> bytes:
    """OLD's canonical N-Triples minus ``removed`` plus ``added``, sorted (isomorphic to NEW)."""
    lines = set(lines_of(old)) - set(lines_of(removed))
    lines.update(lines_of(added))
    return b"".join(line + b"\n" for line in sorted(lines))
